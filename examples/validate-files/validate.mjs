// Validates many NDJSON / CSV (optionally gzip) files in parallel, one job per file, in
// forked workers. A damaged file gives a failed result naming the file and the reason;
// the other files are still checked. Exit code 1 when any file failed.
//
// Usage: node --single-threaded examples/validate-files/validate.mjs [--deep] [--workers N] [--timeout S] <file>...
//   (node must start with --single-threaded for cowloop to fork)
import path from 'node:path';
import { forkSafety, Job, JobGroup, ParallelJobProcessor } from 'cowloop';
import { deepCheck, fastCheck } from './checks.mjs';

const args = process.argv.slice(2);
let deep = false;
let workers;
let timeout = 60;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--deep') deep = true;
  else if (args[i] === '--workers') workers = Number(args[++i]);
  else if (args[i] === '--timeout') timeout = Number(args[++i]);
  else files.push(args[i]);
}
if (files.length === 0) {
  console.error('usage: node --single-threaded examples/validate-files/validate.mjs [--deep] [--workers N] [--timeout S] <file>...');
  process.exit(2);
}
// Pending async work is checked at each fork; here only what no waiting can fix.
const problems = forkSafety().details.filter((p) => p.code !== 'ERR_COWLOOP_ACTIVE_RESOURCES');
if (problems.length > 0) {
  console.error(`cannot fork workers here:\n  ${problems.map((p) => p.message).join('\n  ')}`);
  process.exit(2);
}

const check = deep ? deepCheck : fastCheck;
const group = new JobGroup({
  name: deep ? 'deep check' : 'fast check',
  jobs: files.map((file) => new Job({ name: file, workFunction: check, workFunctionArgs: { file: path.resolve(file) }, workFunctionTimeout: timeout })),
});
const processor = new ParallelJobProcessor(workers ? { workers } : {});
const t0 = performance.now();
const outcomes = await processor.submit(group).getResults({ settled: true });
await processor.close();

let failed = 0;
for (const o of outcomes) {
  if (o.status === 'fulfilled') {
    console.log(`ok    ${o.job}: ${o.value.records} ${o.value.format} records (${o.durationMs.toFixed(1)} ms)`);
  } else {
    failed++;
    // The job's own error message is the worker's, e.g. "line 10001: Unexpected end of JSON input".
    const reason = o.error.cause?.message ?? o.error.message;
    console.log(`FAIL  ${o.job}: ${reason}`);
  }
}
console.log(`${group.name}: ${outcomes.length - failed} of ${outcomes.length} files passed in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
process.exitCode = failed > 0 ? 1 : 0;
