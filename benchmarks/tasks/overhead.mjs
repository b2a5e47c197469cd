// Per-task overhead for tiny tasks (x => x + 1): cowloop's Pool.map against tinypool and
// piscina, side by side in one run, with the same number of workers. Wall time divided by
// the number of tasks, median of several repeats, after a warm-up. cowloop's time includes
// forking its workers for every call; the thread pools are created and warmed beforehand.
// cowloop runs first: fork() refuses while worker threads are alive.
//
// Usage: node --single-threaded benchmarks/tasks/overhead.mjs [--workers 2] [--sizes 1000,20000,100000] [--repeats 5] [--json]
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Pool } from 'cowloop';
import tinyTask from './tiny-task.mjs';

const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '2' },
    sizes: { type: 'string', default: '1000,20000,100000' },
    repeats: { type: 'string', default: '5' },
    json: { type: 'boolean', default: false },
  },
});
const workers = Number(values.workers);
const sizes = values.sizes.split(',').map(Number);
const repeats = Number(values.repeats);
const taskFile = fileURLToPath(new URL('./tiny-task.mjs', import.meta.url));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function time(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function measure(name, runBatch) {
  await runBatch(1000); // warm-up: JIT, pool threads started
  const rows = [];
  for (const n of sizes) {
    const ms = [];
    for (let r = 0; r < repeats; r++) ms.push(await time(() => runBatch(n)));
    const m = median(ms);
    rows.push({ pool: name, tasks: n, workers, medianMs: m, usPerTask: (m * 1000) / n });
  }
  return rows;
}

const items = new Map(sizes.concat(1000).map((n) => [n, Array.from({ length: n }, (_, i) => i)]));
const check = (out, n) => {
  if (out.length !== n || out[n - 1] !== n) throw new Error(`wrong results (${out.length})`);
};

const results = [];
{
  const pool = new Pool({ workers });
  results.push(...(await measure('cowloop Pool.map', async (n) => check(await pool.map(tinyTask, items.get(n)), n))));
  results.push(...(await measure('cowloop Pool.map chunkSize 64', async (n) => check(await pool.map(tinyTask, items.get(n), { chunkSize: 64 }), n))));
  await pool.close();
}
{
  const { Tinypool } = await import('tinypool');
  const pool = new Tinypool({ filename: taskFile, minThreads: workers, maxThreads: workers, isolateWorkers: false });
  results.push(...(await measure('tinypool run', async (n) => check(await Promise.all(items.get(n).map((x) => pool.run(x))), n))));
  await pool.destroy();
}
{
  const { Piscina } = await import('piscina');
  const pool = new Piscina({ filename: taskFile, minThreads: workers, maxThreads: workers });
  results.push(...(await measure('piscina run', async (n) => check(await Promise.all(items.get(n).map((x) => pool.run(x))), n))));
  await pool.destroy();
}

if (values.json) {
  console.log(JSON.stringify(results, null, 2));
} else {
  console.log(`tiny tasks (x => x + 1), ${workers} workers, median of ${repeats}; node ${process.version}`);
  console.log('pool                             |   tasks | wall [ms] | per task [us]');
  for (const r of results) {
    console.log(`${r.pool.padEnd(32)} | ${String(r.tasks).padStart(7)} | ${r.medianMs.toFixed(1).padStart(9)} | ${r.usPerTask.toFixed(3).padStart(13)}`);
  }
  console.log('\nratio of per-task overhead, peer / cowloop Pool.map:');
  for (const n of sizes) {
    const base = results.find((r) => r.pool === 'cowloop Pool.map' && r.tasks === n).usPerTask;
    const peers = results.filter((r) => r.tasks === n && !r.pool.startsWith('cowloop'));
    console.log(`  ${String(n).padStart(7)} tasks: ${peers.map((p) => `${p.pool.split(' ')[0]} ${(p.usPerTask / base).toFixed(1)} x`).join(', ')}`);
  }
}
