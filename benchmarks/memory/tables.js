'use strict';
// A calibration table as JS objects (a Map of one object per channel, what the reco example
// does) against the same table packed by SharedTable into one ArrayBuffer: what a forked
// worker that reads it on every event keeps private.
//   node --single-threaded --max-semi-space-size=1 benchmarks/memory/tables.js <objects|table> [channels] [events] [master events]
// Prints one JSON line: the table's build time and size, and the worker's USS and page split.
const { fork, collectGarbage, memoryUsage, sharedMemory, SharedTable } = require('cowloop');
const { pageSharing } = require('./pagemap.js');

function channelRecord(c) {
  const h = Math.imul(c ^ 0x5bd1e995, 0x27d4eb2d) >>> 0;
  return { channel: c, gain: 0.9 + (h % 2000) / 10000, pedestal: 8 + ((h >>> 11) % 8), t0: ((h >>> 7) % 500) / 100, noise: 1 + ((h >>> 3) % 100) / 100, dead: h % 499 === 0 };
}

async function main() {
  const [layout = 'objects', channelsArg = '2000000', eventsArg = '10000', warmArg = '200'] = process.argv.slice(2);
  const channels = Number(channelsArg);
  const events = Number(eventsArg);
  const before = memoryUsage().uss;
  const t0 = performance.now();
  let lookup;
  if (layout === 'objects') {
    const calibration = new Map();
    for (let c = 0; c < channels; c++) calibration.set(c, channelRecord(c));
    lookup = (c) => {
      const k = calibration.get(c);
      return k.dead ? 0 : k.gain * (100 - k.pedestal);
    };
  } else {
    const table = SharedTable.fromRows(channels, channelRecord, { channel: 'u32', gain: 'f64', pedestal: 'f64', t0: 'f64', noise: 'f64', dead: 'bool' }, { key: 'channel' });
    const gain = table.column('gain');
    const pedestal = table.column('pedestal');
    const dead = table.column('dead');
    lookup = (c) => {
      const r = table.find(c);
      return dead[r] ? 0 : gain[r] * (100 - pedestal[r]);
    };
  }
  const buildMs = performance.now() - t0;
  collectGarbage();
  const sizeMiB = memoryUsage().uss - before;
  // An event: 200 lookups of random channels and some short-lived objects (hits).
  const event = (n) => {
    let s = 0;
    const hits = [];
    for (let i = 0; i < 200; i++) {
      const c = Math.imul(n * 200 + i, 2654435761) >>> 0;
      const e = lookup(c % channels);
      hits.push({ c, e });
      s += e;
    }
    return s + hits.length;
  };
  const warm = Number(warmArg);
  for (let n = 0; n < warm; n++) event(n); // the master's own events before the fork (see docs/memory-sharing.md)
  const flags = new Int32Array(sharedMemory(8));
  const child = await fork(() => {
    let s = 0;
    for (let n = 0; n < events; n++) s += event(n);
    Atomics.store(flags, 0, 1);
    while (Atomics.load(flags, 1) === 0) Atomics.wait(flags, 1, 0, 10);
    return s;
  });
  while (Atomics.load(flags, 0) === 0) await new Promise((r) => setTimeout(r, 20));
  const sharing = pageSharing(process.pid, child.pid);
  const usage = memoryUsage(child.pid);
  Atomics.store(flags, 1, 1);
  await child.result;
  process.stdout.write(`${JSON.stringify({ layout, channels, events, masterEvents: warm, buildMs: Math.round(buildMs), tableMiB: sizeMiB, workerUssMiB: usage.uss, sharing })}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e.stack}\n`);
  process.exitCode = 1;
});
