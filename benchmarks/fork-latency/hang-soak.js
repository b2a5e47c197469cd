// Soak: many forks of GC-heavy children, a few at a time. Each child allocates millions of
// short-lived objects (scavenges, and with a 1 MiB semi-space also full GCs) and ends with a
// full compacting GC over the heap it inherited. A child that has not exited after --slow seconds counts as slow; one still
// alive after --kill-after seconds is killed and counted as hung. Prints one JSON line.
//
//   node --single-threaded --max-semi-space-size=1 benchmarks/fork-latency/hang-soak.js --forks 1000 --concurrency 2
'use strict';

const v8 = require('node:v8');
const { parseArgs } = require('node:util');
const { fork, collectGarbage } = require('cowloop');
const { buildState, checksum } = require('./state.js');
const { median, max } = require('./stats.js');

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

function positive(name, value) {
  const n = Number(value);
  if (!(n > 0)) throw new Error(`--${name} must be a positive number (got ${value})`);
  return n;
}

/** The child's work: garbage, lots of it, then a full GC; returns the GCs V8 ran. */
function gcHeavyChild(objects, state) {
  const profiler = new v8.GCProfiler();
  profiler.start();
  // A ring of survivors so some objects live long enough to be promoted, and die there.
  const ring = new Array(65536);
  let sum = 0;
  for (let i = 0; i < objects; i++) {
    const o = { i, v: i * 0.5, tag: i & 7 ? null : `t${i}` };
    ring[i & 65535] = o;
    sum += o.v;
  }
  collectGarbage();
  const gcs = { scavenges: 0, fullGcs: 0 };
  for (const { gcType } of profiler.stop().statistics) {
    if (gcType === 'Scavenge' || gcType === 'MinorMarkCompact') gcs.scavenges++;
    else if (gcType === 'MarkSweepCompact') gcs.fullGcs++;
  }
  return { sum, ring: ring.length, state: checksum(state), gcs };
}

async function main() {
  const { values: args } = parseArgs({
    options: {
      forks: { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '2' },
      objects: { type: 'string', default: '2000000' },
      state: { type: 'string', default: '16' },
      slow: { type: 'string', default: '30' },
      'kill-after': { type: 'string', default: '120' },
    },
  });
  const forks = positive('forks', args.forks);
  const concurrency = positive('concurrency', args.concurrency);
  const objects = positive('objects', args.objects);
  const stateMiB = positive('state', args.state);
  const slowMs = positive('slow', args.slow) * 1000;
  const killAfterMs = positive('kill-after', args['kill-after']) * 1000;

  const state = buildState(stateMiB, collectGarbage);
  const expected = checksum(state);
  const tally = { exitedZero: 0, nonZero: [], slow: 0, hungKilled: 0, wrongResult: 0 };
  const durations = [];
  const scavenges = [];
  const fullGcs = [];
  let next = 0;
  const masterPid = process.pid;
  const started = nowMs();

  async function lane() {
    while (next < forks) {
      next++;
      const t0 = nowMs();
      // 'Timeout': while one child is being reaped, cowloop's own short reap-poll timer
      // is pending and would otherwise refuse the other lane's fork.
      const child = await fork(() => gcHeavyChild(objects, state), { allowActiveResources: ['Timeout'] });
      // Watchdogs are unref'd (the pending exit keeps this process alive, and fork() does
      // not count unref'd timers as pending work) and do nothing in a sibling forked while
      // they were pending: there they would kill a child that is not theirs.
      let slow = false;
      const slowTimer = setTimeout(() => {
        if (process.pid === masterPid) slow = true;
      }, slowMs).unref();
      const killTimer = setTimeout(() => {
        if (process.pid !== masterPid) return;
        tally.hungKilled++;
        child.kill('SIGKILL');
      }, killAfterMs).unref();
      const [result, exit] = await Promise.all([child.result.catch((error) => error), child.exited]);
      clearTimeout(slowTimer);
      clearTimeout(killTimer);
      durations.push(nowMs() - t0);
      if (slow) tally.slow++;
      if (exit.code === 0 && exit.signal === null) tally.exitedZero++;
      else tally.nonZero.push({ pid: child.pid, code: exit.code, signal: exit.signal });
      if (result instanceof Error || result.state !== expected) tally.wrongResult++;
      else {
        scavenges.push(result.gcs.scavenges);
        fullGcs.push(result.gcs.fullGcs);
      }
      if ((next % 100) === 0) process.stderr.write(`[hang-soak] ${next}/${forks} forked\n`);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane));

  process.stdout.write(`${JSON.stringify({
    forks,
    concurrency,
    objectsPerChild: objects,
    stateMiB,
    slowAfterS: slowMs / 1000,
    killAfterS: killAfterMs / 1000,
    ...tally,
    wallS: (nowMs() - started) / 1000,
    childMs: { median: median(durations), max: max(durations) },
    gcsPerChild: { scavengesMedian: median(scavenges), fullGcsMedian: median(fullGcs) },
    execArgv: process.execArgv,
  })}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
