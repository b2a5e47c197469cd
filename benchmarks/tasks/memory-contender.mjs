// One contender of the memory benchmark, alone in its process: builds (or has its workers
// build) a table of --mib MiB, runs --tasks tasks that together read every row, prints
// JSON, and waits for "exit" on stdin so the driver can measure it at the hold point.
// Usage: node --single-threaded benchmarks/tasks/memory-contender.mjs --kind cowloop|tinypool|piscina [--mib 300] [--workers 2] [--tasks 64]
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { buildTable, scanSlice } from './table.mjs';

const { values } = parseArgs({
  options: {
    kind: { type: 'string' },
    mib: { type: 'string', default: '300' },
    workers: { type: 'string', default: '2' },
    tasks: { type: 'string', default: '64' },
  },
});
const mib = Number(values.mib);
const workers = Number(values.workers);
const tasks = Number(values.tasks);
const slices = Array.from({ length: tasks }, (_, k) => ({ k, n: tasks }));
const t0 = performance.now();
let sums;
let hold;

if (values.kind === 'cowloop') {
  const { Job, JobGroup, ParallelJobProcessor, collectGarbage } = await import('cowloop');
  const rows = buildTable(mib);
  collectGarbage(); // compact before forking, as the WorkManager and the event loop do
  // reuseWorkers keeps the idle workers alive after getResults(): the hold point.
  const processor = new ParallelJobProcessor({ workers, reuseWorkers: true });
  processor.submit(new JobGroup({
    name: 'scan',
    jobs: slices.map(({ k, n }) => new Job({ name: `slice ${k}`, workFunction: () => scanSlice(rows, k, n) })),
  }));
  sums = await processor.getResults();
  hold = () => processor.close();
} else if (values.kind === 'tinypool' || values.kind === 'piscina') {
  // The application built the table, as in the cowloop case; the pool's threads cannot
  // see it, so each builds its own copy.
  const rows = buildTable(mib);
  process.env.COWLOOP_BENCH_TABLE_MIB = String(mib);
  const filename = fileURLToPath(new URL('./table-thread-task.mjs', import.meta.url));
  let pool;
  if (values.kind === 'tinypool') {
    const { Tinypool } = await import('tinypool');
    pool = new Tinypool({ filename, minThreads: workers, maxThreads: workers, isolateWorkers: false });
  } else {
    const { Piscina } = await import('piscina');
    pool = new Piscina({ filename, minThreads: workers, maxThreads: workers });
  }
  sums = await Promise.all(slices.map((s) => pool.run(s)));
  hold = () => pool.destroy();
  if (rows.length === 0) throw new Error('empty table'); // keeps the parent's copy alive to the hold point
} else {
  console.error('--kind must be cowloop, tinypool or piscina');
  process.exit(2);
}

const checksum = sums.reduce((a, b) => a + b, 0);
process.stdout.write(`${JSON.stringify({ kind: values.kind, mib, workers, tasks, checksum, seconds: (performance.now() - t0) / 1000 })}\n`);
process.stdin.once('data', async () => {
  await hold();
  process.exit(0);
});
