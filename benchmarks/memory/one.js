'use strict';
// One contender of the memory benchmark in a fresh process tree:
//   node [node flags] benchmarks/memory/one.js '<json config>'
// config: { kind, stateMB, workers, events (per worker), steps, every, dir, warmupGC, forkAfter }
//   kind: serial | cowloop (fork after initialize, or after forkAfter events: a number or "auto")
//         | cowloop-first (fork after one event)
//         | cluster | child (child_process.fork) | tinypool | piscina
// Every worker ends at a hold point (work.js): the orchestrator (measure.js) measures the
// whole tree there, then releases it. This process writes <dir>/master.json at the end.
const fs = require('node:fs');
const path = require('node:path');
const { now, initialise, makePool, Probe, hold, runEvents } = require('./work.js');

const cfg = JSON.parse(process.argv[2]);
const startAt = now();

function writeMaster(info) {
  fs.writeFileSync(path.join(cfg.dir, 'master.json'), JSON.stringify({ pid: process.pid, startAt, endAt: now(), ...info }));
}

/** A peer worker (cluster, child_process, worker thread): initialise itself, run, hold. */
function peerWorker(index, threads) {
  const readyAt0 = now();
  const { state, pool, initMs } = initialise(cfg.stateMB);
  const summary = runEvents(state, pool, { first: index, stride: cfg.workers, events: cfg.events, steps: cfg.steps, every: cfg.every, threads });
  const id = threads ? `t${index}` : `w${index}`;
  hold(cfg.dir, id, { ...summary, index, initMs, startedAt: readyAt0 });
  return summary.check;
}

function serial() {
  const { state, pool, initMs } = initialise(cfg.stateMB);
  const summary = runEvents(state, pool, { first: 0, stride: 1, events: cfg.events, steps: cfg.steps, every: cfg.every });
  hold(cfg.dir, 'serial', { ...summary, initMs });
  writeMaster({ initMs });
}

async function cowloop() {
  const { createApplication, Algorithm, prop, collectGarbage } = require('cowloop');
  const { recoEvent } = require('./work.js');
  const { onChildFork } = require('cowloop');
  const { RecoGeometrySvc } = require('../../examples/reco/components.js');
  let childStartAt = 0;
  let algorithm;
  onChildFork(() => {
    childStartAt = now();
    if (algorithm) algorithm.probe = new Probe(cfg.every);
  });

  class BenchReco extends Algorithm {
    static properties = { Steps: prop.int(50, 'field-integration steps per track') };
    initialize() {
      algorithm = this;
      this.geometry = this.service('RecoGeometrySvc');
      this.pool = makePool();
      this.probe = new Probe(cfg.every);
      this.masterPid = process.pid;
    }
    prefork() {
      this.preforkAt = now();
    }
    execute(ctx) {
      // gcFirst: a full GC in the master before its first event, so the events it runs
      // before forking (ForkAfterEvents) come after the GC (see docs/memory-sharing.md).
      if (cfg.gcFirst && ctx.number === 0 && process.pid === this.masterPid) collectGarbage();
      recoEvent(this.geometry.shared, this.pool, ctx.number, this.props.Steps);
      this.probe.count();
    }
    finalize() {
      if (process.pid === this.masterPid) return;
      hold(cfg.dir, `c${process.pid}`, { ...this.probe.summary(), childStartAt, preforkAt: this.preforkAt });
    }
  }

  const forkAfter = cfg.forkAfter ?? (cfg.kind === 'cowloop-first' ? 1 : 0);
  const app = createApplication({
    components: [RecoGeometrySvc, BenchReco],
    options: {
      ApplicationMgr: {
        TopAlg: ['BenchReco'],
        ExtSvc: ['CounterSelector/EventSelector', 'RecoGeometrySvc'],
        OutputDir: cfg.outDir ?? path.join(cfg.dir, 'out'),
        EventLoop: 'MpEventLoopMgr',
      },
      // "auto": the master's warm-up events come out of the workers' share.
      EventSelector: { Events: cfg.workers * cfg.events + (typeof forkAfter === 'number' ? forkAfter : 0) },
      RecoGeometrySvc: { StateMB: cfg.stateMB },
      BenchReco: { Steps: cfg.steps },
      MpEventLoopMgr: {
        NWorkers: cfg.workers,
        Strategy: 'roundrobin',
        ForkAfterEvents: forkAfter,
        WarmupGC: cfg.warmupGC ?? false,
        WorkerLog: true,
        EventOrder: '',
        KeepWorkerOutputs: Boolean(cfg.outDir),
        ...(cfg.mp ?? {}),
      },
      EventLoopMgr: { PrintFreq: 0 },
      MessageSvc: { OutputLevel: 'WARNING' },
    },
  });
  await app.configure();
  await app.initialize();
  await app.start();
  const initMs = now() - startAt;
  const result = await app.executeRun();
  const report = app.eventLoop.runReport;
  await app.stop();
  await app.finalize();
  await app.terminate();
  writeMaster({
    initMs,
    preforkAt: algorithm.preforkAt,
    forkMs: report?.forkMs ?? 0,
    processed: result.processed,
    workerCpuMs: report ? report.workers.map((w) => w.cpuMs) : [],
  });
}

async function clusterKind() {
  const cluster = require('node:cluster');
  if (!cluster.isPrimary) {
    peerWorker(Number(process.env.BENCH_INDEX), false);
    process.disconnect(); // the IPC channel would keep the worker alive
    return;
  }
  const spawnAt = now();
  const exits = [];
  for (let i = 0; i < cfg.workers; i++) {
    const w = cluster.fork({ BENCH_INDEX: String(i) });
    exits.push(new Promise((resolve) => w.on('exit', resolve)));
  }
  const codes = await Promise.all(exits);
  if (codes.some((c) => c !== 0)) throw new Error(`cluster workers exited with ${codes}`);
  writeMaster({ spawnAt });
}

async function childKind() {
  const { fork } = require('node:child_process');
  if (cfg.role === 'worker') {
    peerWorker(cfg.index, false);
    process.disconnect();
    return;
  }
  const spawnAt = now();
  const exits = [];
  for (let i = 0; i < cfg.workers; i++) {
    const c = fork(__filename, [JSON.stringify({ ...cfg, role: 'worker', index: i })]);
    exits.push(new Promise((resolve) => c.on('exit', resolve)));
  }
  const codes = await Promise.all(exits);
  if (codes.some((c) => c !== 0)) throw new Error(`child workers exited with ${codes}`);
  writeMaster({ spawnAt });
}

async function threadPool() {
  const file = path.join(__dirname, 'thread-task.js');
  const n = cfg.workers;
  let pool;
  if (cfg.kind === 'tinypool') {
    const { Tinypool } = await import('tinypool');
    pool = new Tinypool({ filename: file, minThreads: n, maxThreads: n, isolateWorkers: false });
  } else {
    const { Piscina } = require('piscina');
    pool = new Piscina({ filename: file, minThreads: n, maxThreads: n, concurrentTasksPerWorker: 1, idleTimeout: 60000 });
  }
  const spawnAt = now();
  await Promise.all(Array.from({ length: n }, (_, i) => pool.run({ cfg, index: i })));
  await pool.destroy();
  writeMaster({ spawnAt });
}

const kinds = { serial, cowloop, 'cowloop-first': cowloop, cluster: clusterKind, child: childKind, tinypool: threadPool, piscina: threadPool };

Promise.resolve()
  .then(() => {
    const run = kinds[cfg.kind];
    if (!run) throw new Error(`unknown kind ${cfg.kind}`);
    return run();
  })
  .catch((e) => {
    process.stderr.write(`${e.stack}\n`);
    process.exitCode = 1;
  });
