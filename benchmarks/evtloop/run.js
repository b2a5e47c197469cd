'use strict';
// Event-loop benchmarks: dispatch cost per event (1 M empty events), the reco example's
// speedup with 2 workers, and what the warm-up GC before forking buys. Every configuration
// runs in a fresh node process (benchmarks/evtloop/one.js), repeated, median reported.
//   node benchmarks/evtloop/run.js [--quick]
// Writes benchmarks/results/evtloop.md.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const quick = process.argv.includes('--quick');
const root = path.join(__dirname, '..', '..');
const flags = ['--single-threaded', '--max-semi-space-size=1'];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cowloop-bench-'));

function one(cfg) {
  const out = execFileSync(process.execPath, [...flags, path.join(__dirname, 'one.js'), JSON.stringify({ out: tmp, ...cfg })], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  return JSON.parse(out.trim().split('\n').pop());
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function repeat(cfg, n) {
  const runs = Array.from({ length: n }, () => one(cfg));
  const pick = (k) => median(runs.map((r) => r[k]));
  return { ...runs[0], runMs: pick('runMs'), wallMs: pick('wallMs'), initMs: pick('initMs'), perEventUs: pick('perEventUs'), forkMs: pick('forkMs') };
}

const reps = quick ? 1 : 3;
const emptyEvents = quick ? 100_000 : 1_000_000;
const lines = [];
const cmd = `node benchmarks/evtloop/run.js${quick ? ' --quick' : ''}`;
lines.push('## Event loop: dispatch cost and speedup', '');
lines.push(`Command: \`${cmd}\` (node ${process.version}, ${os.availableParallelism()} cores, ` +
  `flags ${flags.join(' ')}, median of ${reps} runs, each in a fresh process).`, '');

// 1. Dispatch cost: the same empty events serially and through the multi-process loop.
const serial = repeat({ kind: 'empty', events: emptyEvents, workers: 0 }, reps);
lines.push(`### Dispatch cost (${emptyEvents.toLocaleString('en')} empty events)`, '');
lines.push('| loop | workers | run ms | µs / event | overhead vs serial, µs / event |', '|---|---|---|---|---|');
lines.push(`| serial EventLoopMgr | 0 | ${serial.runMs.toFixed(0)} | ${serial.perEventUs.toFixed(3)} | - |`);
for (const [strategy, workers] of [['sharedqueue', 1], ['roundrobin', 1], ['ranges', 1], ['sharedqueue', 2]]) {
  const r = repeat({ kind: 'empty', events: emptyEvents, workers, strategy, chunk: 1000 }, reps);
  // With N workers sharing the events, the per-event cost seen by one worker is N x the wall share.
  const perWorkerUs = (r.runMs * 1000 * workers) / emptyEvents;
  lines.push(`| MpEventLoopMgr ${strategy} | ${workers} | ${r.runMs.toFixed(0)} | ${r.perEventUs.toFixed(3)} | ${(perWorkerUs - serial.perEventUs).toFixed(3)} |`);
}
lines.push('', 'The run time of the multi-process rows includes forking, the workers\' own finalisation and the merge; ' +
  'the overhead column charges all of it to the events. On 2 cores the 2-worker row is bounded by the cores.', '');

// 2. Reco speedup with 2 workers.
const stateMB = quick ? 50 : 500;
const recoEvents = quick ? 400 : 4000;
const recoInput = path.join(tmp, 'reco-input.ndjson');
execFileSync(process.execPath, [path.join(root, 'examples', 'reco', 'make-input.js'), '--events', String(recoEvents), '--out', recoInput]);
const input = { RecoInputSvc: { Events: recoEvents } };
const recoSerial = repeat({ kind: 'reco', stateMB, events: recoEvents, workers: 0, input: recoInput, overrides: input }, reps);
const mpRows = [
  ['2 workers, fork after initialize', {}],
  ['2 workers, fork after 200 events (reco-mp.opts)', { MpEventLoopMgr: { ForkAfterEvents: 200 } }],
  ['2 workers, defaults (ForkAfterEvents = "auto")', { MpEventLoopMgr: { ForkAfterEvents: 'auto' } }],
];
lines.push(`### Reco example, ${stateMB} MB of state, ${recoEvents} events`, '');
lines.push('| run | init ms | event loop ms | events / s | speedup (event loop) | speedup (whole job) | worker USS MiB |', '|---|---|---|---|---|---|---|');
const rate = (r) => (recoEvents / (r.runMs / 1000)).toFixed(0);
lines.push(`| serial | ${recoSerial.initMs.toFixed(0)} | ${recoSerial.runMs.toFixed(0)} | ${rate(recoSerial)} | 1.00 | 1.00 | - |`);
for (const [label, extra] of mpRows) {
  const r = repeat({ kind: 'reco', stateMB, events: recoEvents, workers: 2, strategy: 'sharedqueue', chunk: 50, input: recoInput, overrides: { ...input, ...extra } }, reps);
  lines.push(`| ${label} | ${r.initMs.toFixed(0)} | ${r.runMs.toFixed(0)} | ${rate(r)} | ` +
    `${(recoSerial.runMs / r.runMs).toFixed(2)} | ${(recoSerial.wallMs / r.wallMs).toFixed(2)} | ${r.workerUss.map((u) => u.toFixed(1)).join(', ')} |`);
}
lines.push('', `Speedups are on this ${os.availableParallelism()}-core machine; the event loop column starts after initialisation ` +
  '(which both runs pay once) and includes forking and merging.', '');

// 3. Warm-up GC before forking.
lines.push(`### Warm-up GC before forking (reco, ${stateMB} MB, 2 workers, fork after initialize)`, '');
lines.push('| WarmupGC | fork ms | event loop ms | worker peak USS MiB |', '|---|---|---|---|');
for (const warmupGC of [true, false]) {
  const r = repeat({ kind: 'reco', stateMB, events: recoEvents, workers: 2, strategy: 'sharedqueue', chunk: 50, warmupGC, input: recoInput, overrides: input }, reps);
  lines.push(`| ${warmupGC} | ${r.forkMs.toFixed(1)} | ${r.runMs.toFixed(0)} | ${r.workerUss.map((u) => u.toFixed(1)).join(', ')} |`);
}
lines.push('');

// 4. Worker recycling on a long run: pages a worker unshares never become shared again; a
// recycled worker is replaced by a fresh fork of the master.
const longEvents = quick ? 1000 : 20000;
const longInput = path.join(tmp, 'reco-long.ndjson');
execFileSync(process.execPath, [path.join(root, 'examples', 'reco', 'make-input.js'), '--events', String(longEvents), '--out', longInput]);
lines.push(`### Worker recycling (reco, ${stateMB} MB, 1 worker, ${longEvents} events)`, '');
lines.push('| RecycleAfterEvents | event loop ms | worker peak USS MiB (one per generation) |', '|---|---|---|');
for (const recycle of [0, longEvents / 4]) {
  const r = repeat({
    kind: 'reco', stateMB, events: longEvents, workers: 1, strategy: 'roundrobin', input: longInput,
    overrides: { RecoInputSvc: { Events: longEvents }, MpEventLoopMgr: { RecycleAfterEvents: recycle } },
  }, 1);
  lines.push(`| ${recycle || 'never'} | ${r.runMs.toFixed(0)} | ${r.workerUss.map((u) => u.toFixed(1)).join(', ')} |`);
}
lines.push('', 'Peak USS is sampled every 10 s and at the end of each worker.', '',
  'A full GC right before the fork leaves the whole heap to be swept again, lazily, by every worker: on this job it ' +
  'costs the workers time and private memory instead of saving them, so WarmupGC is off by default.', '');

fs.mkdirSync(path.join(root, 'benchmarks', 'results'), { recursive: true });
const target = path.join(root, 'benchmarks', 'results', quick ? 'evtloop-quick.md' : 'evtloop.md');
fs.writeFileSync(target, lines.join('\n'));
fs.rmSync(tmp, { recursive: true, force: true });
process.stdout.write(`${lines.join('\n')}\nwritten to ${target}\n`);
