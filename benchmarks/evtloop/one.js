'use strict';
// One event-loop measurement in a fresh process (sizes and loops never share a heap):
//   node --single-threaded --max-semi-space-size=1 benchmarks/evtloop/one.js <json config>
// config: { kind: 'empty' | 'reco', events, workers, strategy, chunk, stateMB, warmupGC, out, keep }
// Prints one JSON line: { wallMs, runMs, events, perEventUs, forkMs, ... } (with `timing` and
// per-worker `workers` for the accounting of a multi-process run); keep: KeepWorkerOutputs.
const path = require('node:path');
const { createApplication, Algorithm } = require('cowloop');

class Empty extends Algorithm {
  execute() {}
}

async function main() {
  const cfg = JSON.parse(process.argv[2]);
  const loop = cfg.workers > 0 ? { EventLoop: 'MpEventLoopMgr' } : {};
  // Fork after initialize unless a configuration says otherwise (the default is "auto").
  const mp = { NWorkers: cfg.workers, Strategy: cfg.strategy ?? 'sharedqueue', ChunkSize: cfg.chunk ?? 1000, ForkAfterEvents: 0, WorkerLog: true, EventOrder: '', KeepWorkerOutputs: !!cfg.keep, ...(cfg.warmupGC === undefined ? {} : { WarmupGC: cfg.warmupGC }) };
  let app;
  if (cfg.kind === 'empty') {
    app = createApplication({
      components: [Empty],
      options: {
        ApplicationMgr: { TopAlg: ['Empty'], ExtSvc: ['CounterSelector/EventSelector'], OutputDir: cfg.out, ...loop },
        EventSelector: { Events: cfg.events },
        MpEventLoopMgr: mp,
        MessageSvc: { OutputLevel: 'WARNING' },
      },
    });
  } else {
    const reco = path.join(__dirname, '..', '..', 'examples', 'reco');
    app = createApplication({
      options: path.join(reco, 'reco.opts'),
      overrides: {
        ApplicationMgr: { EvtMax: cfg.events, OutputDir: cfg.out, ...loop },
        EventSelector: { Input: [cfg.input] },
        RecoGeometrySvc: { StateMB: cfg.stateMB },
        ...(cfg.overrides ?? {}),
        // Merged, not replaced: an override of RecoInputSvc.Events alone would otherwise put
        // File back to the example's data/hits.ndjson and generate that file there.
        RecoInputSvc: { ...(cfg.overrides?.RecoInputSvc ?? {}), File: cfg.input },
        MpEventLoopMgr: { ...mp, ...(cfg.overrides?.MpEventLoopMgr ?? {}) },
        EventLoopMgr: { PrintFreq: 0 },
        MessageSvc: { OutputLevel: 'WARNING' },
      },
    });
  }
  const t0 = performance.now();
  await app.configure();
  await app.initialize();
  await app.start();
  const tInit = performance.now();
  const cpuInit = process.cpuUsage();
  const result = await app.executeRun();
  const tRun = performance.now();
  const cpuRun = process.cpuUsage(cpuInit);
  const report = app.eventLoop.runReport;
  await app.stop();
  await app.finalize();
  await app.terminate();
  const out = {
    ...cfg,
    initMs: tInit - t0,
    runMs: tRun - tInit,
    wallMs: performance.now() - t0,
    processed: result.processed,
    perEventUs: ((tRun - tInit) * 1000) / result.processed,
    forkMs: report?.forkMs ?? 0,
    workerUss: report ? report.workers.map((w) => w.peakUssMiB) : [],
    // The event loop's own CPU in this process (serially: all of it; multi-process: the master's).
    runCpuMs: (cpuRun.user + cpuRun.system) / 1000,
    runStartAtMs: tInit,
    masterEvents: report?.masterEvents ?? 0,
    warmUp: report?.warmUp ?? null,
    timing: report?.timing ?? null,
    workers: report ? report.workers.map((w) => ({ processed: w.processed, startMs: w.startMs, eventsEndMs: w.eventsEndMs, endMs: w.endMs, cpuMs: w.cpuMs, wallMs: w.wallMs })) : [],
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e.stack}\n`);
  process.exitCode = 1;
});
