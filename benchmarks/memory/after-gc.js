'use strict';
// What a forked worker unshares depending on what the master does between its full GC and
// the fork. One variant per process:
//   node --single-threaded --max-semi-space-size=1 benchmarks/memory/after-gc.js <variant> [stateMB] [events]
// variants: none (no GC before fork) | gc (collectGarbage) | gc+events (collectGarbage, then
// 200 events in the master: its scavenges finish V8's lazy sweeping) | gc+stats
// (collectGarbage, then v8.getHeapStatistics()) | gc+alloc (short-lived garbage only) |
// gc+gc (two full GCs) | gc+small (200 events on a separate 5 MB state).
// Prints one JSON line: the child's USS and page-by-page split against the master.
const v8 = require('node:v8');
const { fork, collectGarbage, memoryUsage, sharedMemory } = require('cowloop');
const { initialise, recoEvent } = require('./work.js');
const { pageSharing } = require('./pagemap.js');

/** Scavenges with survivors, no user code: `mib` MiB of small short-lived objects. */
function allocate(mib) {
  let keep = [];
  for (let i = 0; i < mib * 16384; i++) {
    keep.push({ i, x: i * 0.5 });
    if (keep.length > 4096) keep = [];
  }
  return keep.length;
}

async function main() {
  const [variant = 'gc', mb = '300', ev = '2000'] = process.argv.slice(2);
  const { state, pool } = initialise(Number(mb));
  if (variant !== 'none') collectGarbage();
  if (variant === 'gc+events') for (let n = 0; n < 200; n++) recoEvent(state, pool, n, 50);
  if (variant === 'gc+stats') v8.getHeapStatistics();
  if (variant === 'gc+alloc') allocate(Number(process.argv[5] ?? 16));
  if (variant === 'gc+gc') collectGarbage();
  if (variant === 'gc+small') {
    // The event code warmed up on a small separate state: the big state is not touched.
    const small = initialise(5);
    for (let n = 0; n < 200; n++) recoEvent(small.state, small.pool, n, 50);
  }
  const flags = new Int32Array(sharedMemory(8)); // [0]: child done, [1]: master has measured
  const child = await fork(() => {
    for (let n = 0; n < Number(ev); n++) recoEvent(state, pool, n, 50);
    Atomics.store(flags, 0, 1);
    while (Atomics.load(flags, 1) === 0) Atomics.wait(flags, 1, 0, 10);
    return 0;
  });
  while (Atomics.load(flags, 0) === 0) await new Promise((r) => setTimeout(r, 20));
  const sharing = pageSharing(process.pid, child.pid);
  const usage = memoryUsage(child.pid);
  Atomics.store(flags, 1, 1);
  await child.result;
  process.stdout.write(`${JSON.stringify({ variant, stateMB: Number(mb), events: Number(ev), ussMiB: usage.uss, sharing })}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e.stack}\n`);
  process.exitCode = 1;
});
