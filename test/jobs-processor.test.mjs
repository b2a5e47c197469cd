// ParallelJobProcessor through the public API: real forked workers, real timeouts and kills.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Job, JobGroup, ParallelJobProcessor } from 'cowloop';
import { alive, childrenOf } from './helpers/proc.mjs';

const sleep = (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

async function helloWorld({ sleepTime }) {
  await sleep(sleepTime);
  return 'hello world';
}

function multiply({ multiplicand1, multiplicand2 }) {
  return multiplicand1 * multiplicand2;
}

function spin() {
  for (;;);
}

const quiet = () => undefined;

test('the seed unit test: helloWorld and multiply with 10 s timeouts give [hello world, 6]', async () => {
  const processor = new ParallelJobProcessor({ logger: quiet });
  processor.submit(new JobGroup({
    name: 'seed',
    jobs: [
      new Job({ name: 'helloWorld', workFunction: helloWorld, workFunctionArgs: { sleepTime: 1 }, workFunctionTimeout: 10 }),
      new Job({ name: 'multiply', workFunction: multiply, workFunctionArgs: { multiplicand1: 2, multiplicand2: 3 }, workFunctionTimeout: 10 }),
    ],
  }));
  assert.deepEqual(await processor.getResults(), ['hello world', 6]);
  await processor.close();
  assert.deepEqual(childrenOf(process.pid), [], 'every worker was reaped');
});

test('results come back in submission order whatever order the jobs finish in', async (t) => {
  const events = [];
  const processor = new ParallelJobProcessor({ workers: 4, logger: (e) => events.push(e) });
  t.after(() => processor.close({ force: true }));
  const delays = [0.2, 0.05, 0.15, 0];
  processor.submit(new JobGroup({
    name: 'order',
    jobs: delays.map((d, i) => new Job({ name: `j${i}`, workFunction: async (x) => { await sleep(d); return x; }, workFunctionArgs: i })),
  }));
  processor.submit(new JobGroup({ name: 'second', jobs: [new Job({ name: 'k', workFunction: () => 'k' })] }));
  assert.deepEqual(await processor.getResults(), [0, 1, 2, 3, 'k']);
  const finished = events.filter((e) => e.kind === 'finished').map((e) => e.job);
  assert.notDeepEqual(finished.slice(0, 4), ['j0', 'j1', 'j2', 'j3'], 'the jobs really finished out of order');
  for (const kind of ['submitted', 'started', 'finished']) {
    assert.equal(events.filter((e) => e.kind === kind).length, 5, `one "${kind}" event per job`);
  }
  assert.ok(events.filter((e) => e.kind === 'finished').every((e) => e.durationMs >= 0 && e.pid > 0));
});

test('a failing job names the job and carries the worker message and stack; the others succeed', async (t) => {
  const processor = new ParallelJobProcessor({ workers: 2, logger: quiet });
  t.after(() => processor.close({ force: true }));
  processor.submit(new JobGroup({
    name: 'mixed',
    jobs: [
      new Job({ name: 'good', workFunction: () => 1 }),
      new Job({ name: 'bad', workFunction: function throwsInWorker() { throw new TypeError('no such field'); } }),
    ],
  }));
  const error = await processor.getResults().catch((e) => e);
  assert.equal(error.code, 'ERR_COWLOOP_JOBS_FAILED');
  assert.match(error.message, /1 of 2 jobs failed in job group "mixed": job "bad" of group "mixed" failed in worker \d+: TypeError: no such field/);
  assert.equal(error.errors.length, 1);
  const [jobError] = error.errors;
  assert.equal(jobError.code, 'ERR_COWLOOP_JOB_FAILED');
  assert.equal(jobError.job, 'bad');
  assert.match(jobError.stack, /at throwsInWorker/);
  assert.equal(jobError.cause.name, 'TypeError');
  assert.deepEqual(error.outcomes.map((o) => o.status), ['fulfilled', 'rejected']);
  assert.equal(error.outcomes[0].value, 1);
  // The processor takes further submissions after a failure.
  processor.submit(new JobGroup({ name: 'after', jobs: [new Job({ name: 'again', workFunction: () => 'ok' })] }));
  assert.deepEqual(await processor.getResults(), ['ok']);
});

test('a job timeout kills the stuck worker and a replacement runs the remaining jobs', async (t) => {
  const processor = new ParallelJobProcessor({ workers: 1, killGrace: 0.2, logger: quiet });
  t.after(() => processor.close({ force: true }));
  processor.submit(new JobGroup({
    name: 'stuck',
    jobs: [
      new Job({ name: 'spinner', workFunction: spin, workFunctionTimeout: 0.3 }),
      new Job({ name: 'after', workFunction: () => process.pid }),
    ],
  }));
  const outcomes = await processor.getResults({ settled: true });
  assert.equal(outcomes[0].status, 'rejected');
  assert.equal(outcomes[0].error.code, 'ERR_COWLOOP_JOB_TIMEOUT');
  assert.match(outcomes[0].error.message, /job "spinner" of group "stuck" timed out after 0.3 s in worker \d+; the worker was killed/);
  assert.equal(outcomes[1].status, 'fulfilled');
  const stuckPid = outcomes[0].pid;
  assert.notEqual(outcomes[1].value, stuckPid, 'a new worker ran the second job');
  assert.equal(alive(stuckPid), false, 'the stuck worker is gone and reaped');
});

test('a group timeout fails the running and the never-started jobs by name', async (t) => {
  const processor = new ParallelJobProcessor({ workers: 1, killGrace: 0.2, logger: quiet });
  t.after(() => processor.close({ force: true }));
  processor.submit(new JobGroup({
    name: 'slow-group',
    timeout: 0.3,
    jobs: [
      new Job({ name: 'quick', workFunction: () => 'q' }),
      new Job({ name: 'forever', workFunction: spin }),
      new Job({ name: 'waiting', workFunction: () => 'w' }),
    ],
  }));
  const error = await processor.getResults().catch((e) => e);
  assert.equal(error.code, 'ERR_COWLOOP_JOBS_FAILED');
  assert.deepEqual(error.errors.map((e) => e.job), ['forever', 'waiting']);
  assert.match(error.errors[0].message, /did not finish within the group's timeout of 0.3 s; its worker \d+ was killed/);
  assert.match(error.errors[1].message, /it never started/);
  assert.equal(error.outcomes[0].value, 'q');
  assert.deepEqual(childrenOf(process.pid), []);
});

test('a result that cannot be serialised is a clear error for that job only', async (t) => {
  const processor = new ParallelJobProcessor({ workers: 1, logger: quiet });
  t.after(() => processor.close({ force: true }));
  processor.submit(new JobGroup({
    name: 'ser',
    jobs: [new Job({ name: 'returnsFunction', workFunction: () => ({ f: () => 1 }) }), new Job({ name: 'plain', workFunction: () => [1n, new Map([[1, 2]])] })],
  }));
  const outcomes = await processor.getResults({ settled: true });
  assert.equal(outcomes[0].error.code, 'ERR_COWLOOP_RESULT_NOT_SERIALIZABLE');
  assert.match(outcomes[0].error.message, /result of job "returnsFunction" of group "ser" cannot be serialised with v8.serialize/);
  assert.deepEqual(outcomes[1].value, [1n, new Map([[1, 2]])]);
});

test('workers see the state at submission; reused workers keep the state of their fork', async () => {
  let factor = 2;
  const scale = (x) => x * factor;
  const group = (name) => new JobGroup({ name, jobs: [new Job({ name: 'scale', workFunction: scale, workFunctionArgs: 10 })] });

  const fresh = new ParallelJobProcessor({ workers: 1, logger: quiet });
  fresh.submit(group('a'));
  assert.deepEqual(await fresh.getResults(), [20]);
  factor = 3;
  fresh.submit(group('b'));
  assert.deepEqual(await fresh.getResults(), [30], 'a new worker set sees the new state');
  await fresh.close();

  factor = 2;
  const reusing = new ParallelJobProcessor({ workers: 1, reuseWorkers: true, logger: quiet });
  reusing.submit(group('a'));
  assert.deepEqual(await reusing.getResults(), [20]);
  const [pid] = reusing.pids;
  factor = 3;
  reusing.submit(new JobGroup({ name: 'b', jobs: [new Job({ name: 'scale', workFunction: scale, workFunctionArgs: 100 })] }));
  assert.deepEqual(await reusing.getResults(), [200], 'same worker: arguments sent, closure state of its fork');
  assert.deepEqual(reusing.pids, [pid]);
  await reusing.close();
  assert.equal(alive(pid), false);
});

test('close() lets jobs in flight finish; close({ force: true }) kills them and cancels the rest', async () => {
  const graceful = new ParallelJobProcessor({ workers: 2, logger: quiet });
  graceful.submit(new JobGroup({ name: 'g', jobs: [0.1, 0.1, 0.1].map((s, i) => new Job({ name: `s${i}`, workFunction: helloWorld, workFunctionArgs: { sleepTime: s } })) }));
  const results = graceful.getResults();
  await graceful.close();
  assert.deepEqual(await results, ['hello world', 'hello world', 'hello world']);
  assert.throws(() => graceful.submit(new JobGroup({ name: 'late', jobs: [] })), { code: 'ERR_COWLOOP_CLOSED' });

  let started;
  const spinning = new Promise((resolve) => { started = resolve; });
  const forced = new ParallelJobProcessor({ workers: 1, killGrace: 0.2, logger: (e) => e.kind === 'started' && started() });
  forced.submit(new JobGroup({ name: 'f', jobs: [new Job({ name: 'spinning', workFunction: spin }), new Job({ name: 'queued', workFunction: () => 1 })] }));
  const pending = forced.getResults().catch((e) => e);
  await spinning; // no timer of ours may be pending while the workers are forked (see the next test)
  const [pid] = forced.pids;
  await forced.close({ force: true });
  const error = await pending;
  assert.deepEqual(error.errors.map((e) => [e.job, e.code]), [['spinning', 'ERR_COWLOOP_JOB_CANCELLED'], ['queued', 'ERR_COWLOOP_JOB_CANCELLED']]);
  assert.match(error.errors[0].message, /closed with \{ force: true \}/);
  assert.equal(alive(pid), false);
  assert.deepEqual(childrenOf(process.pid), []);
});

test('a timer pending at the fork point refuses the workers, and the jobs say why', async () => {
  const processor = new ParallelJobProcessor({ logger: quiet });
  processor.submit(new JobGroup({ name: 'refused', jobs: [new Job({ name: 'never', workFunction: () => 1 })] }));
  const timer = setTimeout(() => undefined, 1000);
  const outcomes = await processor.getResults({ settled: true });
  clearTimeout(timer);
  assert.equal(outcomes[0].error.code, 'ERR_COWLOOP_ACTIVE_RESOURCES');
  assert.match(outcomes[0].error.message, /job "never" of group "refused" could not start: no worker could be forked: async work is pending at the fork point: 1 x Timeout/);
  // With the timer gone the same processor forks again.
  processor.submit(new JobGroup({ name: 'allowed', jobs: [new Job({ name: 'now', workFunction: () => 2 })] }));
  assert.deepEqual(await processor.getResults(), [2]);
  await processor.close();
});

test('a worker that dies while running a job fails that job and is replaced', async (t) => {
  const processor = new ParallelJobProcessor({ workers: 1, logger: quiet });
  t.after(() => processor.close({ force: true }));
  processor.submit(new JobGroup({
    name: 'crash',
    jobs: [new Job({ name: 'exits', workFunction: () => process.kill(process.pid, 'SIGKILL') }), new Job({ name: 'next', workFunction: () => 'alive' })],
  }));
  const outcomes = await processor.getResults({ settled: true });
  assert.equal(outcomes[0].error.code, 'ERR_COWLOOP_WORKER_DIED');
  assert.match(outcomes[0].error.message, /job "exits" of group "crash": worker \d+ was killed by SIGKILL while running it/);
  assert.equal(outcomes[1].value, 'alive');
});

test('Job, JobGroup and options are validated with messages that name the path', () => {
  assert.throws(() => new Job({ name: 'x', workFunction: 3 }), { code: 'ERR_COWLOOP_INVALID_ARGUMENT', message: /Job "x" options.workFunction must be a function \(got 3\)/ });
  assert.throws(() => new Job({ name: 'x', workFunction: () => 1, workFunctionTimeout: 0 }), { message: /workFunctionTimeout must be a positive number of seconds/ });
  assert.throws(() => new JobGroup({ name: 'g', jobs: [{}] }), { message: /JobGroup "g" options.jobs\[0\] must be a Job/ });
  assert.throws(() => new ParallelJobProcessor({ workers: 0 }), { message: /options.workers must be a positive integer \(got 0\)/ });
  assert.throws(() => new ParallelJobProcessor().submit({}), { message: /submit\(group\) must be a JobGroup/ });
});
