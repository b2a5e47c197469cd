'use strict';
// One configuration in a fresh process:
//   node --single-threaded --max-semi-space-size=1 benchmarks/csv-input/one.js <json config>
// config: { inputs: [...], workers, strategy, out }
// Prints one JSON line: wall and CPU time of the event loop (master + workers), the workers'
// peak private memory, and the output file for comparison.
const path = require('node:path');
const { createApplication } = require('cowloop');
const { Summarise } = require('./job.js');

async function main() {
  const cfg = JSON.parse(process.argv[2]);
  const app = createApplication({
    components: [Summarise],
    options: {
      ApplicationMgr: {
        TopAlg: ['Summarise', 'OutputStream/Out'],
        OutputDir: cfg.out,
        ...(cfg.workers > 0 ? { EventLoop: 'MpEventLoopMgr' } : {}),
      },
      EventSelector: { Input: cfg.inputs },
      Out: { Output: 'out.ndjson', ItemList: ['id', 'score'] },
      MpEventLoopMgr: { NWorkers: cfg.workers, Strategy: cfg.strategy ?? 'sharedqueue', EventOrder: '' },
      EventLoopMgr: { PrintFreq: 0 },
      MessageSvc: { OutputLevel: 'WARNING' },
    },
  });
  await app.configure();
  await app.initialize();
  await app.start();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await app.executeRun();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const report = app.eventLoop.runReport;
  await app.stop();
  await app.finalize();
  await app.terminate();
  const workers = report ? report.workers : [];
  const masterCpuMs = (cpu.user + cpu.system) / 1000;
  process.stdout.write(`${JSON.stringify({
    processed: result.processed,
    wallMs,
    cpuMs: masterCpuMs + workers.reduce((s, w) => s + w.cpuMs, 0),
    workerUss: workers.map((w) => w.peakUssMiB),
    output: path.join(cfg.out, 'out.ndjson'),
  })}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e.stack}\n`);
  process.exitCode = 1;
});
