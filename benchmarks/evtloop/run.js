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
const loadBefore = os.loadavg()[0];

function one(cfg, extraFlags = []) {
  const out = execFileSync(process.execPath, [...flags, ...extraFlags, path.join(__dirname, 'one.js'), JSON.stringify({ out: tmp, ...cfg })], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  // The result is the last JSON line; --trace-gc lines may come before and after it.
  const lines = out.trim().split('\n');
  const at = lines.findLastIndex((l) => l.startsWith('{'));
  return { ...JSON.parse(lines[at]), log: lines.filter((_, i) => i !== at) };
}

/** GC pause time (ms) in --trace-gc lines: "Scavenge 4.1 (5.2) -> 3.9 (6.2) MB, 0.52 / 0.00 ms ...". */
function gcMs(lines) {
  let ms = 0;
  for (const line of lines) {
    const m = /: (?:Scavenge|Mark-Compact|Mark-Compact \(reduce\)|Minor Mark-Compact|Mark-sweep)\b[^,]*, ([\d.]+) \/ [\d.]+ ms/.exec(line);
    if (m) ms += Number(m[1]);
  }
  return ms;
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
  `flags ${flags.join(' ')}, median of ${reps} runs, each in a fresh process; load average (1 min) ${loadBefore.toFixed(1)} when it started, ` +
  'LOAD_AT_END when it ended: with other work on the 2 cores, wall times and speedups carry that load, CPU times do not).', '');

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

// 2b. Where the 2-worker event loop's time goes, against half the serial one (the ideal on 2
// cores). Serial and 2-worker runs take turns, with --trace-gc (GC pauses: the master's on
// stdout, each worker's in its kept worker.log); the run report gives the rest.
const acctRounds = quick ? 1 : 5;
const acct = { serial: [], mp: [] };
for (let r = 0; r < acctRounds; r++) {
  const s = one({ kind: 'reco', stateMB, events: recoEvents, workers: 0, input: recoInput, overrides: input }, ['--trace-gc']);
  acct.serial.push({ ...s, gc: gcMs(s.log) });
  const dir = path.join(tmp, `acct-${r}`);
  const m = one({ kind: 'reco', stateMB, events: recoEvents, workers: 2, strategy: 'sharedqueue', chunk: 50, input: recoInput, out: dir, keep: true,
    overrides: { ...input, MpEventLoopMgr: { ForkAfterEvents: 'auto' } } }, ['--trace-gc']);
  const runDir = path.join(dir, 'workers', fs.readdirSync(path.join(dir, 'workers'))[0]);
  const workerGc = fs.readdirSync(runDir).filter((d) => /^worker_\d+$/.test(d))
    .map((d) => gcMs(fs.readFileSync(path.join(runDir, d, 'worker.log'), 'utf8').split('\n')));
  acct.mp.push({ ...m, masterGc: gcMs(m.log), workerGc });
  fs.rmSync(dir, { recursive: true, force: true });
}
const parts = acct.mp.map((m, r) => {
  const s = acct.serial[r];
  const t = m.timing;
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const startMean = mean(m.workers.map((w) => w.startMs));
  const endMean = mean(m.workers.map((w) => w.eventsEndMs));
  const endMax = Math.max(...m.workers.map((w) => w.eventsEndMs));
  const workerEvents = m.workers.reduce((n, w) => n + w.processed, 0);
  const serialPerEvent = s.runMs / recoEvents;
  const serialCpuPerEvent = s.runCpuMs / recoEvents;
  return {
    serialCpu: s.runCpuMs,
    masterEventsCpu: t.masterEventsCpuMs,
    masterEventsCpuIdeal: (m.masterEvents * serialCpuPerEvent) / 2,
    forkCpu: t.forkCpuMs,
    workerCpuIdeal: (workerEvents * serialCpuPerEvent) / 2,
    mergeCpu: t.mergeCpuMs,
    masterPollCpu: t.masterCpuMs - t.forkCpuMs,
    serial: s.runMs,
    total: t.runMs,
    masterEvents: t.masterEventsMs,
    masterEventsIdeal: (m.masterEvents * serialPerEvent) / 2,
    setup: t.workersStartAtMs - (t.startAtMs + t.masterEventsMs),
    fork: startMean - t.workersStartAtMs,
    forkMs: m.forkMs,
    busy: endMean - startMean,
    busyIdeal: (workerEvents * serialPerEvent) / 2,
    imbalance: endMax - endMean,
    // The last worker to end: its finalize (outputs closed, a last memory reading), then its exit until reaped.
    finalize: Math.max(...m.workers.map((w) => w.endMs)) - endMax,
    exit: t.workersEndAtMs - Math.max(...m.workers.map((w) => w.endMs)),
    merge: t.mergeMs,
    rest: t.runMs - (t.workersEndAtMs - t.startAtMs) - t.mergeMs,
    masterCpu: t.masterCpuMs,
    workerCpu: mean(m.workers.map((w) => w.cpuMs)),
    serialGc: s.gc,
    workerGc: mean(m.workerGc),
    masterGc: m.masterGc,
    masterEventCount: m.masterEvents,
    workerEvents,
  };
});
const med = (k) => median(parts.map((p) => p[k]));
lines.push(`### Where the time goes (reco, ${stateMB} MB, ${recoEvents} events, 2 workers, defaults)`, '');
lines.push(`Serial and 2-worker runs taking turns, ${acctRounds} rounds, node --trace-gc; medians per row (so the rows need not add up exactly). ` +
  `The 2-worker event loop against the ideal, half the serial one (${med('serial').toFixed(0)} ms / 2 = ${(med('serial') / 2).toFixed(0)} ms): ` +
  `${med('total').toFixed(0)} ms, speedup ${(median(parts.map((p) => p.serial / p.total))).toFixed(2)} x. Times are on the master's clock ` +
  '(the workers keep it), from the run report (`MpEventLoopMgr.runReport.timing`, each worker\'s `startMs` and `eventsEndMs`).', '');
lines.push('| part | wall ms | ideal wall ms | CPU ms | ideal CPU ms | what it is |', '|---|---|---|---|---|---|');
lines.push(`| master's events before forking | ${med('masterEvents').toFixed(0)} | ${med('masterEventsIdeal').toFixed(0)} | ${med('masterEventsCpu').toFixed(0)} | ${med('masterEventsCpuIdeal').toFixed(0)} | ForkAfterEvents = "auto": ${med('masterEventCount').toFixed(0)} events on one core, with prefork; ideal: half their share of the serial run at its mean cost per event (the first events of a process cost more: the serial run pays that too) |`);
lines.push(`| set-up after them | ${med('setup').toFixed(1)} | 0 | - | - | run directory, output registration, shared words |`);
lines.push(`| fork and start | ${med('fork').toFixed(0)} | 0 | ${med('forkCpu').toFixed(0)} | 0 | first fork until the workers pass the start barrier (the forks alone: ${med('forkMs').toFixed(0)} ms); CPU: the master's in fork() |`);
lines.push(`| workers' events (mean per worker) | ${med('busy').toFixed(0)} | ${med('busyIdeal').toFixed(0)} | ${med('workerCpu').toFixed(0)} | ${med('workerCpuIdeal').toFixed(0)} | start barrier to a worker's last event (CPU: the whole worker, re-initialisation and finalize included); ideal: half the serial run's share of the ${med('workerEvents').toFixed(0)} events |`);
lines.push(`| imbalance at the end | ${med('imbalance').toFixed(1)} | 0 | - | - | last worker's last event after the mean one's |`);
lines.push(`| workers' finalize | ${med('finalize').toFixed(1)} | 0 | - | - | the last worker's last event until its report is ready (stop, finalize, outputs closed, its last memory reading) |`);
lines.push(`| workers' exit | ${med('exit').toFixed(1)} | 0 | - | - | from there until every worker is reaped (the report sent, the process gone) |`);
lines.push(`| merge | ${med('merge').toFixed(0)} | 0 | ${med('mergeCpu').toFixed(0)} | 0 | RecoOutput and the histograms merged by the master |`);
lines.push(`| rest | ${med('rest').toFixed(1)} | 0 | - | - | worker table, removing the run directory |`);
lines.push(`| master while the workers ran, forks aside | - | - | ${med('masterPollCpu').toFixed(1)} | 0 | channels, reports, reaping, the launcher watch (/proc/self/stat every 200 ms): a core taken from the workers that long |`);
lines.push(`| GC pauses, per worker | - | - | ${med('workerGc').toFixed(0)} | ${(med('serialGc') / 2).toFixed(0)} | --trace-gc; ideal: half the serial run's ${med('serialGc').toFixed(0)} ms (the master's own in the 2-worker run: ${med('masterGc').toFixed(0)} ms) |`);
lines.push('', `Serial event loop: ${med('serial').toFixed(0)} ms wall, ${med('serialCpu').toFixed(0)} ms CPU. On a machine whose cores are taken by other work the wall ` +
  'column grows with the load and the CPU column does not: the CPU columns say what the run itself costs.', '',
  "What was removed, and what is left. The master's `ForkAfterEvents = \"auto\"` watch read V8's code size with `v8.getHeapCodeStatistics()`, which walks the whole heap (40-60 ms at 450 MB), ten times before the fork; it now takes 4 of those readings on Node.js 20 (the first at the 16th event; none before the runs nor for the report alone; it still stops after 128 events, and the code sizes read are the same) and none on Node.js 22 and later, where V8 keeps bytecode in a heap space of its own whose size costs nothing to read (the figures for both: the Reco speedup sections for Node.js 20 and 24, `benchmarks/evtloop/speedup.js`). The master's CPU while the workers run, forks aside, is a few ms (the table): nothing there polls more often than every 200 ms (the launcher watch; progress every 500 ms; the `cowloop` command's memory readings are held under 2 % of the run). The merge does not overlap the workers: with 2 workers on 2 cores no core is free before they end, the ordered merge needs every worker's file whole (a worker's next record may belong before any record the others wrote), and the only idle core time, the imbalance at the end, is a fraction of one chunk. The largest part left is the master's own events before the fork, run on one core: they are what keeps each worker's private memory at 9 MiB instead of 23 MiB (the reco rows above).', '", '');

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
const text = lines.join('\n').replace('LOAD_AT_END', os.loadavg()[0].toFixed(1));
fs.writeFileSync(target, text);
fs.rmSync(tmp, { recursive: true, force: true });
process.stdout.write(`${text}\nwritten to ${target}\n`);
