'use strict';
// Runs one contender (one.js) and measures its whole process tree while every worker waits
// at its hold point: PSS and USS of each process (smaps_rollup), and for forked workers the
// page-by-page split against the master (pagemap.js). Returns one result row.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { memoryUsage, processTree } = require('cowloop');
const { pageSharing } = require('./pagemap.js');

const ONE = path.join(__dirname, 'one.js');
const THREADS = new Set(['tinypool', 'piscina']);
const FORKED = new Set(['cowloop', 'cowloop-first']);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.timeOrigin + performance.now();

/** Node flags each contender starts with: cowloop needs --single-threaded; the peers run as a user would. */
function defaultFlags(kind) {
  return FORKED.has(kind) ? ['--single-threaded', '--max-semi-space-size=1'] : [];
}

/**
 * cfg: { kind, stateMB, workers, events, steps, every, warmupGC?, mp?, nodeFlags? }.
 * Resolves to the measured row; rejects when the tree fails or never reaches the hold point.
 */
async function measure(cfg, { timeoutMs = 600000 } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cowloop-mem-'));
  const full = { steps: 50, every: 1000, ...cfg, dir };
  const flags = cfg.nodeFlags ?? defaultFlags(cfg.kind);
  const expect = cfg.kind === 'serial' ? 1 : cfg.workers;
  const t0 = now();
  const child = spawn(process.execPath, [...flags, ONE, JSON.stringify(full)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.resume();
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  let done = false;
  exited.then(() => (done = true));
  try {
    const until = Date.now() + timeoutMs;
    let ready = [];
    while ((ready = fs.readdirSync(dir).filter((f) => /^ready-.*\.json$/.test(f))).length < expect) {
      if (done) throw new Error(`${cfg.kind} exited before all workers were ready:\n${stderr}`);
      if (Date.now() > until) throw new Error(`${cfg.kind}: workers not ready after ${timeoutMs} ms`);
      await sleep(10);
    }
    const holdStart = now();
    const workers = ready.map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
    const tree = processTree(child.pid);
    const usage = new Map(tree.map((pid) => [pid, memoryUsage(pid)]));
    const totalPss = [...usage.values()].reduce((s, u) => s + u.pss, 0);
    const masterUsage = usage.get(child.pid);
    const detail = process.env.COWLOOP_BENCH_PAGES ? [] : null;
    const sharing = FORKED.has(cfg.kind) ? workers.map((w, i) => pageSharing(child.pid, w.pid, i === 0 ? detail : null)) : [];
    if (detail) fs.writeFileSync(process.env.COWLOOP_BENCH_PAGES, JSON.stringify(detail));
    const holdMs = now() - holdStart;
    fs.writeFileSync(path.join(dir, 'release'), '');
    const exit = await exited;
    if (exit.code !== 0) throw new Error(`${cfg.kind} failed (${exit.code ?? exit.signal}):\n${stderr}`);
    const master = JSON.parse(fs.readFileSync(path.join(dir, 'master.json'), 'utf8'));
    return summarise(cfg, { workers, usage, totalPss, masterUsage, sharing, master, holdMs, wallMs: now() - t0 - holdMs, tree });
  } finally {
    if (!done) child.kill('SIGKILL');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function summarise(cfg, m) {
  const { workers, usage, master } = m;
  const threads = THREADS.has(cfg.kind);
  const forked = FORKED.has(cfg.kind);
  const events = workers.reduce((s, w) => s + w.events, 0);
  const firstEvent = Math.min(...workers.map((w) => w.firstEventAt));
  const lastEvent = Math.max(...workers.map((w) => w.lastEventAt));
  const allRunning = Math.max(...workers.map((w) => w.firstEventAt));
  // The point workers come from: the first fork (cowloop), or when the master starts spawning.
  const origin = forked ? Math.min(...workers.map((w) => w.childStartAt)) : cfg.kind === 'serial' ? master.startAt : master.spawnAt;
  const perWorkerUss = threads || cfg.kind === 'serial' ? [] : workers.map((w) => usage.get(w.pid)?.uss ?? NaN);
  const cpu = workers.filter((w) => w.cpuMs !== null);
  const mean = (xs) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : null);
  return {
    kind: cfg.kind,
    stateMB: cfg.stateMB,
    workers: cfg.kind === 'serial' ? 1 : cfg.workers,
    eventsPerWorker: cfg.events,
    steps: cfg.steps ?? 50,
    flags: (cfg.nodeFlags ?? defaultFlags(cfg.kind)).join(' '),
    warmupGC: cfg.warmupGC ?? false,
    processes: m.tree.length,
    totalPssMiB: m.totalPss,
    masterPssMiB: m.masterUsage?.pss ?? null,
    masterUssMiB: m.masterUsage?.uss ?? null,
    workerUssMiB: perWorkerUss,
    meanWorkerUssMiB: mean(perWorkerUss),
    // Initialisation: the master's (cowloop, serial), or the mean of the workers' own.
    initMs: forked || cfg.kind === 'serial' ? master.initMs : mean(workers.map((w) => w.initMs)),
    preforkToForkMs: forked ? origin - master.preforkAt : null,
    allRunningMs: cfg.kind === 'serial' ? null : allRunning - origin,
    forkMs: master.forkMs ?? null,
    wallMs: m.wallMs,
    eventsPerSecond: events / ((lastEvent - firstEvent) / 1000),
    cpuMsPerEvent: cpu.length ? mean(cpu.map((w) => w.cpuMs / w.events)) : null,
    minfltPerEvent: cpu.length ? mean(cpu.map((w) => w.minflt / w.events)) : null,
    sharing: m.sharing.length
      ? {
          unsharedAnonMiB: mean(m.sharing.map((s) => s?.anon.unshared ?? NaN)),
          unsharedFileMiB: mean(m.sharing.map((s) => s?.file.unshared ?? NaN)),
          freshMiB: mean(m.sharing.map((s) => (s ? s.anon.fresh + s.file.fresh : NaN))),
          siblingsMiB: mean(m.sharing.map((s) => (s ? s.anon.siblings + s.file.siblings : NaN))),
          sharedMiB: mean(m.sharing.map((s) => (s ? s.anon.shared + s.file.shared : NaN))),
        }
      : null,
    samples: workers.map((w) => w.samples),
  };
}

module.exports = { measure, defaultFlags };

if (require.main === module) {
  measure(JSON.parse(process.argv[2])).then(
    (row) => process.stdout.write(`${JSON.stringify(row)}\n`),
    (e) => {
      process.stderr.write(`${e.stack}\n`);
      process.exitCode = 1;
    },
  );
}
