// Monte Carlo estimate of pi, twice: with a WorkManager running a Task (outputs summed
// in the parent, statistics per worker) and with Pool.map over the same batches. Each
// batch has its own seeded generator, so the estimate does not depend on which worker
// ran which batch.
//
// Usage: node --single-threaded examples/pi/pi.mjs [--samples N] [--batches B] [--workers W]
//   (node must start with --single-threaded for cowloop to fork)
import { forkSafety, Pool, Task, WorkManager } from 'cowloop';

const option = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const samples = option('samples', 20_000_000);
const batches = option('batches', 200);
const workers = option('workers', undefined);
const problems = forkSafety().details.filter((p) => p.code !== 'ERR_COWLOOP_ACTIVE_RESOURCES');
if (problems.length > 0) {
  console.error(`cannot fork workers here:\n  ${problems.map((p) => p.message).join('\n  ')}`);
  process.exit(2);
}

/** mulberry32: a small, fast, seedable generator of uniform numbers in [0, 1). */
function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const perBatch = Math.ceil(samples / batches);
function countInside(batch) {
  const random = generator(batch + 1);
  let inside = 0;
  for (let i = 0; i < perBatch; i++) {
    const x = random();
    const y = random();
    if (x * x + y * y < 1) inside++;
  }
  return inside;
}

class PiTask extends Task {
  initializeLocal() {
    this.output = { inside: 0, total: 0 };
  }
  process(batch) {
    this.output.inside += countInside(batch);
    this.output.total += perBatch;
  }
  finalize() {
    this.estimate = (4 * this.output.inside) / this.output.total;
  }
}

const items = Array.from({ length: batches }, (_, i) => i);
const task = new PiTask();
const report = await new WorkManager(workers ? { ncpus: workers } : {}).process(task, items);
console.log(report.table);
console.log(`WorkManager: pi ~ ${task.estimate.toFixed(6)} from ${task.output.total} samples in ${report.wallSeconds.toFixed(2)} s`);

const pool = new Pool(workers ? { workers } : {});
const t0 = performance.now();
const inside = (await pool.map(countInside, items)).reduce((a, b) => a + b, 0);
await pool.close();
const estimate = (4 * inside) / (perBatch * batches);
console.log(`Pool.map:    pi ~ ${estimate.toFixed(6)} in ${((performance.now() - t0) / 1000).toFixed(2)} s (same batches, same estimate)`);
