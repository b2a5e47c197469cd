#!/usr/bin/env node
'use strict';
// The memory benchmark: the reco example's state and per-event work under every way a Node
// user could spread it over N workers, each measured in its own process tree:
//   npm run bench:memory                 the full set -> benchmarks/results/memory.md, docs/img/memory-*.svg
//   npm run bench:memory -- --quick      a small smoke set -> a temporary directory (or --out)
// Options: --out FILE (results markdown), --img-dir DIR, --sizes 200,500,1000, --workers 1,2,4,8,
//          --events N (per worker), --kinds k1,k2 (default: all), --goal-events N (the goal
//          configuration, 500 MB x 8 workers, again with N events per worker for cowloop and serial).
// Contenders run one at a time: at 1 GB x 8 workers a peer holds about 8 GB.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { measure } = require('./measure.js');
const { lineChart } = require('./svg.js');

const ROOT = path.join(__dirname, '..', '..');
const KINDS = ['cowloop', 'cowloop-first', 'cluster', 'child', 'tinypool', 'piscina'];
const LABEL = {
  serial: 'serial (node defaults)',
  'serial-1m': 'serial (--max-semi-space-size=1)',
  cowloop: 'cowloop, fork after initialize',
  'cowloop-first': 'cowloop, fork after the first event',
  'cowloop-200': 'cowloop, fork after 200 events',
  'cowloop-auto': 'cowloop, defaults (ForkAfterEvents = "auto")',
  cluster: 'node:cluster',
  child: 'child_process.fork',
  tinypool: 'tinypool (worker threads)',
  piscina: 'piscina (worker threads)',
};

function options(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      out: { type: 'string' },
      'img-dir': { type: 'string' },
      sizes: { type: 'string' },
      workers: { type: 'string' },
      events: { type: 'string' },
      kinds: { type: 'string' },
      'goal-events': { type: 'string' },
      replot: { type: 'boolean', default: false },
    },
  });
  const quick = values.quick;
  const list = (s) => s.split(',').map(Number);
  const scratch = quick && !values.out ? fs.mkdtempSync(path.join(os.tmpdir(), 'cowloop-bench-memory-')) : undefined;
  const out = values.out ?? (scratch ? path.join(scratch, 'memory.md') : path.join(ROOT, 'benchmarks', 'results', 'memory.md'));
  return {
    quick,
    out,
    imgDir: values['img-dir'] ?? (scratch ? path.join(scratch, 'img') : path.join(ROOT, 'docs', 'img')),
    sizes: values.sizes ? list(values.sizes) : quick ? [30] : [200, 500, 1000],
    workers: values.workers ? list(values.workers) : quick ? [1, 2] : [1, 2, 4, 8],
    events: values.events ? Number(values.events) : quick ? 200 : 2000,
    goalEvents: values['goal-events'] ? Number(values['goal-events']) : quick ? 0 : 10000,
    kinds: values.kinds ? values.kinds.split(',') : KINDS,
    replot: values.replot,
    argv,
  };
}

const f = (x, d = 0) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));

function commit() {
  try {
    return process.env.COWLOOP_BENCH_COMMIT ?? execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

async function runAll(o) {
  const rows = [];
  const every = Math.max(1, Math.round(o.events / 10));
  const plan = [];
  for (const stateMB of o.sizes) {
    plan.push({ label: 'serial', cfg: { kind: 'serial', stateMB, workers: 1, events: o.events, every } });
    plan.push({ label: 'serial-1m', cfg: { kind: 'serial', stateMB, workers: 1, events: o.events, every, nodeFlags: ['--max-semi-space-size=1'] } });
    for (const kind of o.kinds) for (const workers of o.workers) plan.push({ label: kind, cfg: { kind, stateMB, workers, events: o.events, every } });
  }
  if (o.goalEvents > 0) {
    const g = { stateMB: 500, events: o.goalEvents, every: Math.round(o.goalEvents / 10) };
    plan.push({ label: 'serial', cfg: { ...g, kind: 'serial', workers: 1 } });
    plan.push({ label: 'serial-1m', cfg: { ...g, kind: 'serial', workers: 1, nodeFlags: ['--max-semi-space-size=1'] } });
    for (const kind of ['cowloop', 'cowloop-first']) plan.push({ label: kind, cfg: { ...g, kind, workers: 8 } });
    // The setting docs/memory-sharing.md recommends: the master runs 200 events before forking.
    plan.push({ label: 'cowloop-200', cfg: { ...g, kind: 'cowloop', workers: 8, forkAfter: 200 } });
    // The default: the master runs events until its code and resident memory stop growing.
    plan.push({ label: 'cowloop-auto', cfg: { ...g, kind: 'cowloop', workers: 8, forkAfter: 'auto' } });
  }
  const t0 = Date.now();
  for (const [i, p] of plan.entries()) {
    let row;
    try {
      row = await measure(p.cfg);
    } catch (e) {
      row = { kind: p.cfg.kind, stateMB: p.cfg.stateMB, workers: p.cfg.workers, error: String(e.message).split('\n')[0] };
    }
    row.label = p.label;
    rows.push(row);
    process.stdout.write(
      `[${i + 1}/${plan.length} ${((Date.now() - t0) / 1000).toFixed(0)} s] ${p.label} ${p.cfg.stateMB} MB x ${p.cfg.workers}: ` +
        (row.error ? `FAILED ${row.error}\n` : `PSS ${f(row.totalPssMiB)} MiB, worker USS ${f(row.meanWorkerUssMiB, 1)} MiB, ${f(row.eventsPerSecond)} ev/s\n`),
    );
  }
  return { rows, seconds: (Date.now() - t0) / 1000 };
}

function plots(o, rows) {
  fs.mkdirSync(o.imgDir, { recursive: true });
  const files = [];
  for (const stateMB of o.sizes) {
    const at = rows.filter((r) => r.stateMB === stateMB && !r.error && r.eventsPerWorker === o.events);
    const serial = at.find((r) => r.label === 'serial');
    const series = o.kinds.map((k) => ({ name: LABEL[k], points: at.filter((r) => r.label === k).map((r) => [r.workers, r.totalPssMiB]) }));
    if (serial) series.push({ name: LABEL.serial, points: o.workers.map((n) => [n, serial.totalPssMiB]) });
    const file = path.join(o.imgDir, `memory-total-pss-${stateMB}mb.svg`);
    fs.writeFileSync(file, lineChart({ title: `Total PSS against workers, ${stateMB} MB of state`, xLabel: 'workers (N)', yLabel: 'total PSS (MiB), master + workers', series, xTicks: o.workers }));
    files.push({ file, caption: `Total PSS against N, ${stateMB} MB` });
  }
  const size = o.sizes.includes(500) ? 500 : o.sizes[o.sizes.length - 1];
  const n = Math.max(...o.workers);
  // Forked workers only: a peer's worker holds a whole copy of the state (hundreds of MiB,
  // flat), which would flatten the forked workers' curves; the tables give the peers' USS.
  const at = rows.filter((r) => r.stateMB === size && r.workers === n && !r.error && r.sharing && r.samples?.[0]?.length > 1);
  const series = at.map((r) => ({ name: `${LABEL[r.label].replace(/^cowloop, /, '')}${r.eventsPerWorker !== o.events ? ` (${r.eventsPerWorker})` : ''}`, points: r.samples[0] }));
  const file = path.join(o.imgDir, `memory-worker-uss-${size}mb.svg`);
  fs.writeFileSync(file, lineChart({ title: `USS of one forked worker against its events, ${size} MB, N = ${n}`, xLabel: 'events processed by the worker', yLabel: 'worker USS (MiB)', series }));
  files.push({ file, caption: `Forked worker USS against events, ${size} MB, N = ${n} (a peer worker holds a whole copy of the state: see the tables)` });
  return files;
}

function report(o, rows, seconds, images) {
  const cores = os.availableParallelism();
  const command = `npm run bench:memory${o.argv.length ? ` -- ${o.argv.join(' ')}` : ''}`;
  const L = [
    '# Memory benchmark: cowloop against the ways a Node user would spread the work',
    '',
    `Command: \`${command}\` (${(seconds / 60).toFixed(1)} minutes). Machine: ${cores} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.cpus()[0]?.model ?? 'cpu'}; Node ${process.version}; commit ${commit()}.`,
    '',
    `Every contender builds the reco example's state (examples/reco/state.js: field map in a Float64Array, one JS object per calibration channel, geometry objects) and runs the reco per-event work (calibrate hits, find and fit tracks, 50 field steps per track instead of the example's 2000, to keep the set short on ${cores} cores) on ${o.events} events per worker. cowloop initialises once and forks (MpEventLoopMgr, roundrobin, node \`--single-threaded --max-semi-space-size=1\`, cowloop's defaults: no warm-up GC, workers start together once all are forked); the peers run with node's defaults and initialise in every worker. Each tree is measured while every worker, its events done, waits alive at a hold point.`,
    '',
    'Columns: total PSS of every process of the tree (master + workers; for worker threads the one process); x serial: against the serial process with node defaults; worker USS: mean private memory of a worker process (worker threads share one process: –); init: the state build (cowloop, serial: once in the master; peers: mean per worker); all running: from the first fork (cowloop) or the start of spawning (peers) until the last worker starts its first event; events/s: all events over the time from the first worker\'s first event to the last worker\'s last; speedup: against serial events/s on ' + cores + ' cores.',
    '',
    "Reading the numbers: the serial process's PSS depends on when its last full GC ran (at 500 MB it held 497-625 MiB at the same point across runs), so every ratio carries about +-10 %; events/s and wall times come from a shared 2-core machine where other work ran at the same time, so a speedup above 2 (impossible on 2 cores) shows that noise; cowloop's all-running time is the master forking the workers one after the other while the first ones already compete for the cores (docs/memory-sharing.md); the row 'fork after 200 events' is the setting docs/memory-sharing.md recommends.",
    '',
  ];
  const pick = (label, n) => {
    const at = rows.filter((r) => r.label === label && r.stateMB === 500 && r.workers === n && !r.error);
    return at.sort((a, b) => b.eventsPerWorker - a.eventsPerWorker)[0];
  };
  const goal = pick('cowloop', 8);
  const serial500 = pick('serial', 1);
  const serial500b = pick('serial-1m', 1);
  if (goal && serial500) {
    L.push(`## Goals (N = 8, 500 MB, ${goal.eventsPerWorker} events per worker)`, '');
    L.push(`- Total PSS ${f(goal.totalPssMiB)} MiB = ${f(goal.totalPssMiB / serial500.totalPssMiB, 3)} x the serial process with node defaults (${f(serial500.totalPssMiB)} MiB)${serial500b ? `, ${f(goal.totalPssMiB / serial500b.totalPssMiB, 3)} x serial with --max-semi-space-size=1 (${f(serial500b.totalPssMiB)} MiB)` : ''}; goal <= 1.15.`);
    L.push(`- Per-worker private memory after ${goal.eventsPerWorker} events: ${f(goal.meanWorkerUssMiB, 1)} MiB = ${f((100 * goal.meanWorkerUssMiB) / 500, 2)} % of the state (max ${f(Math.max(...goal.workerUssMiB), 1)} MiB); goal <= 2 %. Of it, pages unshared from the master: ${f(goal.sharing?.unsharedAnonMiB, 1)} MiB anonymous + ${f(goal.sharing?.unsharedFileMiB, 2)} MiB file-backed; the worker's own new pages: ${f(goal.sharing?.freshMiB, 1)} MiB.`);
    L.push(`- All 8 workers running ${f(goal.allRunningMs)} ms after the first fork (prefork to first fork: ${f(goal.preforkToForkMs)} ms); goal <= 100 ms.`);
    const auto = pick('cowloop-auto', 8);
    if (auto) {
      L.push(`- With the defaults (ForkAfterEvents = "auto"): total PSS ${f(auto.totalPssMiB)} MiB = ${f(auto.totalPssMiB / serial500.totalPssMiB, 3)} x serial (node defaults)${serial500b ? `, ${f(auto.totalPssMiB / serial500b.totalPssMiB, 3)} x serial with --max-semi-space-size=1` : ''}; worker USS ${f(auto.meanWorkerUssMiB, 1)} MiB = ${f((100 * auto.meanWorkerUssMiB) / 500, 2)} % of the state (max ${f(Math.max(...auto.workerUssMiB), 1)} MiB; ${f(auto.sharing?.unsharedAnonMiB, 1)} MiB unshared, ${f(auto.sharing?.freshMiB, 1)} MiB new); all running after ${f(auto.allRunningMs)} ms. Goal (defaults): total PSS <= 1.10 x serial, worker private memory <= 1.5 % of the state.`);
    }
    const tuned = pick('cowloop-200', 8);
    if (tuned) {
      L.push(`- With ForkAfterEvents = 200: total PSS ${f(tuned.totalPssMiB)} MiB = ${f(tuned.totalPssMiB / serial500.totalPssMiB, 3)} x serial (node defaults)${serial500b ? `, ${f(tuned.totalPssMiB / serial500b.totalPssMiB, 3)} x serial with --max-semi-space-size=1` : ''}; worker USS ${f(tuned.meanWorkerUssMiB, 1)} MiB = ${f((100 * tuned.meanWorkerUssMiB) / 500, 2)} % of the state (${f(tuned.sharing?.unsharedAnonMiB, 1)} MiB unshared, ${f(tuned.sharing?.freshMiB, 1)} MiB new); all running after ${f(tuned.allRunningMs)} ms.`);
    }
    L.push('');
  }
  for (const stateMB of o.sizes) {
    const at = rows.filter((r) => r.stateMB === stateMB);
    L.push(`## ${stateMB} MB of state`, '');
    L.push('| contender | N | events/worker | total PSS MiB | x serial | worker USS MiB | init ms | all running ms | wall s | events/s | speedup (' + cores + ' cores) |');
    L.push('|---|---|---|---|---|---|---|---|---|---|---|');
    for (const r of at) {
      const serial = at.find((x) => x.label === 'serial' && !x.error && x.eventsPerWorker === r.eventsPerWorker);
      if (r.error) {
        L.push(`| ${LABEL[r.label]} | ${r.workers} | | failed: ${r.error.replace(/\|/g, '/')} | | | | | | | |`);
        continue;
      }
      const isSerial = r.kind === 'serial';
      L.push(
        `| ${LABEL[r.label]} | ${r.workers} | ${r.eventsPerWorker} | ${f(r.totalPssMiB)} | ${serial ? f(r.totalPssMiB / serial.totalPssMiB, 2) : '–'} | ${isSerial ? f(r.masterUssMiB, 1) : f(r.meanWorkerUssMiB, 1)} | ${f(r.initMs)} | ${f(r.allRunningMs)} | ${f(r.wallMs / 1000, 1)} | ${f(r.eventsPerSecond)} | ${serial ? f(r.eventsPerSecond / serial.eventsPerSecond, 2) : '–'} |`,
      );
    }
    L.push('');
    const forked = at.filter((r) => r.sharing && !r.error);
    if (forked.length) {
      L.push(`Forked workers, page by page against the master (/proc/<pid>/pagemap and /proc/kpagecount), mean per worker, MiB. Unshared by the worker: a copy-on-write copy only the worker maps; shared among workers: the master wrote its own copy after the fork, the workers still share the old page; new pages: where the master has no page.`, '');
      L.push('| contender | N | events/worker | shared with the master | unshared by the worker, anonymous | unshared by the worker, file-backed | shared among workers, not with the master | new pages of the worker | worker CPU ms/event | minor faults/event |');
      L.push('|---|---|---|---|---|---|---|---|---|---|');
      for (const r of forked) {
        L.push(`| ${LABEL[r.label]} | ${r.workers} | ${r.eventsPerWorker} | ${f(r.sharing.sharedMiB)} | ${f(r.sharing.unsharedAnonMiB, 1)} | ${f(r.sharing.unsharedFileMiB, 2)} | ${f(r.sharing.siblingsMiB, 1)} | ${f(r.sharing.freshMiB, 1)} | ${f(r.cpuMsPerEvent, 3)} | ${f(r.minfltPerEvent, 2)} |`);
      }
      for (const serial of at.filter((x) => x.kind === 'serial' && !x.error)) {
        L.push('', `${LABEL[serial.label]}, ${serial.eventsPerWorker} events: ${f(serial.cpuMsPerEvent, 3)} CPU ms/event, ${f(serial.minfltPerEvent, 2)} minor faults/event.`);
      }
      L.push('');
    }
  }
  L.push('## Plots', '');
  const rel = (file) => path.relative(path.dirname(o.out), file).split(path.sep).join('/');
  for (const img of images) L.push(`![${img.caption}](${rel(img.file)})`, '');
  return `${L.join('\n')}\n`;
}

async function main() {
  const o = options(process.argv.slice(2));
  if (o.replot) {
    // Redraw the plots from the last run's rows (the results file is left as it is).
    plots(o, JSON.parse(fs.readFileSync(o.out.replace(/\.md$/, '.json'), 'utf8')));
    return;
  }
  const { rows, seconds } = await runAll(o);
  const images = plots(o, rows);
  fs.mkdirSync(path.dirname(o.out), { recursive: true });
  fs.writeFileSync(o.out, report(o, rows, seconds, images));
  fs.writeFileSync(o.out.replace(/\.md$/, '.json'), JSON.stringify(rows));
  process.stdout.write(`wrote ${o.out}\n`);
  if (rows.some((r) => r.error)) process.exitCode = 1;
}

main().catch((e) => {
  process.stderr.write(`${e.stack}\n`);
  process.exitCode = 1;
});
