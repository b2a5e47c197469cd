// The jobs' supervisors driven with stand-in children: every decision of the job worker
// set (a run's value, its own error, a stale message, its timeout, its worker's death, a
// free worker's death, a refused fork, cancels and stops) and of the claimed runs behind
// Pool and WorkManager (an item's error, a death, the call's timeout, a refused fork), and
// the SIGTERM-then-SIGKILL stop they share with the event loop. No fork and no clock: the
// test ends children and fires timers itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { StandInChild, handClock } from './helpers/stand-in-child.mjs';

const require = createRequire(import.meta.url);
const { WorkerSet } = require('../dist/cjs/jobs/worker-set.js');
const { decideWorker } = require('../dist/cjs/jobs/worker-decision.js');
const { jobError } = require('../dist/cjs/jobs/job-errors.js');
const { ClaimedRun } = require('../dist/cjs/jobs/claimed-run.js');
const { decideClaim } = require('../dist/cjs/jobs/claim-decision.js');
const { errorToWire } = require('../dist/cjs/process/wire.js');
const { SignalStop } = require('../dist/cjs/supervise/signal-stop.js');
const { CLAIMS_CLOSED } = require('../dist/cjs/shm/shared-claims.js');

const tick = () => new Promise((resolve) => setImmediate(resolve));
async function until(condition, what) {
  for (let i = 0; i < 1000; i++) {
    if (condition()) return;
    await tick();
  }
  assert.fail(`never happened: ${what}`);
}

/** A WorkerSet whose workers are stand-ins, with a log of what each run was told. */
function workerSet({ size = 1, graceMs = 1000, refuse = () => false } = {}) {
  const children = [];
  const clock = handClock();
  const events = [];
  let idle = 0;
  const set = new WorkerSet({
    size, graceMs, title: 'test', allowActiveResources: [], deathSignal: undefined,
    onIdle: () => idle++,
    clock,
    spawn: async () => {
      if (refuse(children.length)) throw Object.assign(new Error('no more processes'), { code: 'ERR_COWLOOP_FORK_FAILED' });
      const child = new StandInChild();
      children.push(child);
      return child;
    },
  });
  let nextId = 1;
  const run = (timeoutMs) => {
    const id = nextId++;
    set.enqueue({
      id,
      message: { k: 'run', id, slot: 0 },
      timeoutMs,
      onStart: (pid) => events.push([id, 'start', pid]),
      onDone: (value, pid) => events.push([id, 'done', value, pid]),
      onFail: (failure) => events.push([id, 'fail', failure]),
    });
    return id;
  };
  const settledOf = (id) => events.find((e) => e[0] === id && e[1] !== 'start');
  return { set, children, clock, events, run, settledOf, idle: () => idle };
}

test('decideWorker: every case of a job worker speaking, ending or running out of time', () => {
  const exit = { code: null, signal: 'SIGSEGV' };
  const wire = errorToWire(Object.assign(new TypeError('bad input'), { code: 'E_USER' }));
  const cases = [
    [{ state: 'busy', runId: 1, event: { kind: 'message', message: { k: 'start', id: 1 } } }, 'started'],
    [{ state: 'busy', runId: 1, event: { kind: 'message', message: { k: 'done', id: 1, value: 42, ms: 3 } } }, 'done'],
    [{ state: 'busy', runId: 1, event: { kind: 'message', message: { k: 'fail', id: 1, error: wire, ms: 3 } } }, 'failed error keep'],
    [{ state: 'busy', runId: 2, event: { kind: 'message', message: { k: 'done', id: 1, value: 42, ms: 3 } } }, 'ignore'],
    [{ state: 'killing', runId: undefined, event: { kind: 'message', message: { k: 'done', id: 1, value: 42, ms: 3 } } }, 'ignore'],
    [{ state: 'busy', runId: 1, event: { kind: 'exit', exit, error: undefined } }, 'failed died gone'],
    [{ state: 'idle', runId: undefined, event: { kind: 'exit', exit, error: undefined } }, 'replace'],
    [{ state: 'forking', runId: undefined, event: { kind: 'exit', exit, error: undefined } }, 'replace'],
    [{ state: 'killing', runId: undefined, event: { kind: 'exit', exit, error: undefined } }, 'ignore'],
    [{ state: 'stopping', runId: undefined, event: { kind: 'exit', exit, error: undefined } }, 'ignore'],
    [{ state: 'busy', runId: 1, event: { kind: 'timeout' } }, 'failed timeout kill'],
    [{ state: 'idle', runId: undefined, event: { kind: 'timeout' } }, 'ignore'],
  ];
  for (const [facts, expected] of cases) {
    const d = decideWorker({ pid: 7, ...facts });
    const got = d.kind === 'failed' ? `failed ${d.failure.kind} ${d.worker}` : d.kind;
    assert.equal(got, expected, JSON.stringify(facts));
    if (d.kind === 'done') assert.deepEqual([d.value, d.ms], [42, 3]);
    if (d.kind === 'failed' && d.failure.kind === 'error') {
      assert.equal(d.failure.error.name, 'TypeError');
      assert.equal(d.failure.error.code, 'E_USER');
      assert.equal(d.failure.error.childPid, 7);
    }
    if (d.kind === 'failed' && d.failure.kind === 'died') assert.deepEqual(d.failure.exit, exit);
  }
});

test('jobError gives every way a job can fail its stable code, naming the job, its group and the worker', () => {
  const cases = [
    [{ kind: 'error', error: new RangeError('too big'), pid: 5, ms: 1 }, 'ERR_COWLOOP_JOB_FAILED', /failed in worker 5: RangeError: too big/],
    [{ kind: 'error', error: Object.assign(new Error('cannot be serialised'), { code: 'ERR_COWLOOP_RESULT_NOT_SERIALIZABLE' }), pid: 5, ms: 1 }, 'ERR_COWLOOP_RESULT_NOT_SERIALIZABLE', /cannot be serialised \(worker 5\)/],
    [{ kind: 'timeout', pid: 5 }, 'ERR_COWLOOP_JOB_TIMEOUT', /timed out after 2 s in worker 5; the worker was killed/],
    [{ kind: 'died', pid: 5, exit: { code: null, signal: 'SIGKILL' }, error: undefined }, 'ERR_COWLOOP_WORKER_DIED', /worker 5 was killed by SIGKILL while running it/],
    [{ kind: 'died', pid: 5, exit: { code: 3, signal: null }, error: undefined }, 'ERR_COWLOOP_WORKER_DIED', /worker 5 exited with code 3/],
    [{ kind: 'cancelled', pid: undefined, reason: 'closed' }, 'ERR_COWLOOP_JOB_CANCELLED', /was cancelled: closed/],
    [{ kind: 'group-timeout', pid: undefined }, 'ERR_COWLOOP_JOB_TIMEOUT', /group's timeout of 9 s; it never started/],
    [{ kind: 'group-timeout', pid: 5 }, 'ERR_COWLOOP_JOB_TIMEOUT', /its worker 5 was killed/],
    [{ kind: 'fork', error: new Error('EAGAIN') }, 'ERR_COWLOOP_FORK_FAILED', /could not start: no worker could be forked: EAGAIN/],
    [{ kind: 'fork', error: Object.assign(new Error('not on Linux'), { code: 'ERR_COWLOOP_UNSUPPORTED_PLATFORM' }) }, 'ERR_COWLOOP_UNSUPPORTED_PLATFORM', /not on Linux/],
  ];
  for (const [failure, code, message] of cases) {
    const error = jobError('g', 'j', { job: 2, group: 9 }, failure);
    assert.equal(error.code, code, failure.kind);
    assert.match(error.message, message);
    assert.match(error.message, /job "j" of group "g"|cannot be serialised/);
    assert.equal(error.group, 'g');
    assert.equal(error.pid, 'pid' in failure ? failure.pid : undefined);
  }
});

test('decideClaim: every case of a claimed run (Pool.map, WorkManager.process)', () => {
  const describe = (i) => `item ${i}`;
  const itemError = decideClaim({ kind: 'item-failed', pid: 4, index: 3, cause: new TypeError('no') }, describe);
  assert.equal(itemError.kind, 'abort');
  assert.equal(itemError.error.code, 'ERR_COWLOOP_TASK_FAILED');
  assert.equal(itemError.error.message, 'item 3 failed in worker 4: TypeError: no');
  assert.deepEqual([itemError.error.itemIndex, itemError.error.pid], [3, 4]);
  const unserialisable = decideClaim({ kind: 'item-failed', pid: 4, index: 3, cause: Object.assign(new Error('x'), { code: 'ERR_COWLOOP_RESULT_NOT_SERIALIZABLE' }) }, describe);
  assert.equal(unserialisable.error.code, 'ERR_COWLOOP_RESULT_NOT_SERIALIZABLE');

  assert.deepEqual(decideClaim({ kind: 'ended', pid: 4, error: undefined, inFlight: -1 }, describe), { kind: 'continue' });
  const death = Object.assign(new Error('child 4 was killed by SIGSEGV'), { code: 'ERR_COWLOOP_CHILD_EXITED', signal: 'SIGSEGV', exitCode: null });
  const died = decideClaim({ kind: 'ended', pid: 4, error: death, inFlight: 8 }, describe);
  assert.equal(died.kind, 'fail');
  assert.equal(died.error.code, 'ERR_COWLOOP_WORKER_DIED');
  assert.equal(died.error.message, 'worker 4 was killed by SIGSEGV while processing item 8');
  assert.equal(died.error.itemIndex, 8);
  const own = decideClaim({ kind: 'ended', pid: 4, error: Object.assign(new Error('setup threw'), { code: 'ERR_COWLOOP_INVALID_ARGUMENT' }), inFlight: -1 }, describe);
  assert.equal(own.error.code, 'ERR_COWLOOP_INVALID_ARGUMENT');
  assert.equal(own.error.message, 'worker 4 failed: setup threw');
  assert.equal('itemIndex' in own.error, false);

  const timeout = decideClaim({ kind: 'timeout', seconds: 2, busy: [{ index: 5, pid: 4 }] }, describe);
  assert.equal(timeout.kind, 'kill');
  assert.equal(timeout.error.code, 'ERR_COWLOOP_JOB_TIMEOUT');
  assert.equal(timeout.error.message, 'timed out after 2 s; still running: item 5 in worker 4; the workers were killed');
  const refusal = new Error('EAGAIN');
  assert.deepEqual(decideClaim({ kind: 'fork-refused', error: refusal }, describe), { kind: 'abort', error: refusal });
});

test('a run gets its value, the free worker takes the next one, and the set says when it is idle', async () => {
  const w = workerSet();
  const a = w.run();
  const b = w.run();
  await until(() => w.children.length === 1 && w.children[0].sent.length === 1, 'the first run sent');
  const [child] = w.children;
  child.say({ k: 'start', id: a });
  child.say({ k: 'done', id: a, value: 'A', ms: 1 });
  assert.deepEqual(child.sent.map((m) => m.id), [a, b], 'the same worker took the queued run');
  child.say({ k: 'done', id: a, value: 'stale', ms: 1 });
  child.say({ k: 'done', id: b, value: 'B', ms: 1 });
  assert.deepEqual(w.events, [[a, 'start', child.pid], [a, 'done', 'A', child.pid], [b, 'done', 'B', child.pid]], 'the stale message was ignored');
  assert.equal(w.idle(), 1);
  const stopped = w.set.stop(false, 'done');
  await until(() => child.sent.length === 3, 'the worker asked to leave');
  assert.deepEqual(child.sent.at(-1), { k: 'stop' });
  child.finish(undefined);
  await stopped;
  assert.deepEqual(w.set.pids(), []);
});

test("a job's own error fails that run only; its worker stays and runs the next", async () => {
  const w = workerSet();
  const a = w.run();
  const b = w.run();
  await until(() => w.children[0]?.sent.length === 1, 'the first run sent');
  const [child] = w.children;
  child.say({ k: 'fail', id: a, error: errorToWire(new Error('job threw')), ms: 2 });
  const [, , failure] = w.settledOf(a);
  assert.equal(failure.kind, 'error');
  assert.equal(failure.error.message, 'job threw');
  assert.deepEqual(child.sent.map((m) => m.id), [a, b]);
  assert.equal(w.children.length, 1, 'no replacement');
  await w.set.stop(true, 'test over');
  assert.equal(w.settledOf(b)[2].kind, 'cancelled');
});

test("a run's timeout stops its worker (SIGTERM, SIGKILL after the grace) and a fresh fork takes the queued runs", async () => {
  const w = workerSet({ graceMs: 500 });
  const a = w.run(2000);
  const b = w.run();
  await until(() => w.children[0]?.sent.length === 1, 'the first run sent');
  const [stuck] = w.children;
  stuck.ignoreTerm = true;
  assert.deepEqual(w.clock.pending, [2000]);
  w.clock.fire(2000);
  assert.deepEqual(w.settledOf(a)[2], { kind: 'timeout', pid: stuck.pid });
  await until(() => stuck.signals.length === 1, 'the worker signalled');
  assert.deepEqual(stuck.signals, ['SIGTERM']);
  await until(() => w.children.length === 2, 'a replacement forked');
  assert.deepEqual(w.children[1].sent.map((m) => m.id), [b]);
  await until(() => w.clock.pending.includes(500), 'the escalation armed');
  assert.equal(w.clock.fire(500), 1, 'the grace period ran');
  assert.deepEqual(stuck.signals, ['SIGTERM', 'SIGKILL']);
  await w.set.settled();
  assert.equal(stuck.running, false);
  w.children[1].say({ k: 'done', id: b, value: 1, ms: 1 });
  assert.equal(w.settledOf(b)[1], 'done');
  const stopped = w.set.stop(false, 'done');
  await until(() => w.children[1].sent.length === 2, 'the worker asked to leave');
  w.children[1].finish(undefined);
  await stopped;
});

test("a worker's death fails its run with the exit and the worker's error; a replacement runs the rest", async () => {
  const w = workerSet();
  const a = w.run();
  const b = w.run();
  await until(() => w.children[0]?.sent.length === 1, 'the first run sent');
  const [first] = w.children;
  first.die('SIGSEGV');
  await until(() => w.settledOf(a), 'the run failed');
  const [, , failure] = w.settledOf(a);
  assert.equal(failure.kind, 'died');
  assert.deepEqual(failure.exit, { code: null, signal: 'SIGSEGV' });
  assert.equal(failure.error.code, 'ERR_COWLOOP_CHILD_EXITED');
  await until(() => w.children[1]?.sent.length === 1, 'the replacement took the queued run');
  assert.equal(w.children[1].sent[0].id, b);
  await w.set.stop(true, 'test over');
  assert.deepEqual(w.children[1].signals, ['SIGTERM']);
});

test('a free worker that dies is forgotten; the next run forks a new one', async () => {
  const w = workerSet();
  const a = w.run();
  await until(() => w.children[0]?.sent.length === 1, 'the first run sent');
  w.children[0].say({ k: 'done', id: a, value: 1, ms: 1 });
  w.children[0].die('SIGKILL');
  await until(() => w.set.pids().length === 0, 'the dead worker is forgotten');
  const b = w.run();
  await until(() => w.children[1]?.sent.length === 1, 'a new worker took the run');
  assert.equal(w.children[1].sent[0].id, b);
  await w.set.stop(true, 'test over');
});

test('when no worker can be forked the queued runs fail with the fork error', async () => {
  const w = workerSet({ refuse: () => true });
  const a = w.run();
  const b = w.run();
  await until(() => w.settledOf(a) && w.settledOf(b), 'both runs failed');
  for (const id of [a, b]) {
    const [, , failure] = w.settledOf(id);
    assert.equal(failure.kind, 'fork');
    assert.equal(failure.error.code, 'ERR_COWLOOP_FORK_FAILED');
  }
  await w.set.stop(false, 'done');
});

test('cancel drops a queued run, or kills the worker of a running one; a forced stop cancels the rest', async () => {
  const w = workerSet();
  const a = w.run();
  const b = w.run();
  const c = w.run();
  await until(() => w.children[0]?.sent.length === 1, 'the first run sent');
  w.set.cancel(b, (pid) => ({ kind: 'group-timeout', pid }));
  assert.deepEqual(w.settledOf(b)[2], { kind: 'group-timeout', pid: undefined });
  w.set.cancel(a, (pid) => ({ kind: 'group-timeout', pid }));
  assert.deepEqual(w.settledOf(a)[2], { kind: 'group-timeout', pid: w.children[0].pid });
  await until(() => w.children[0].signals.length === 1, 'the worker signalled');
  assert.deepEqual(w.children[0].signals, ['SIGTERM']);
  await until(() => w.children[1]?.sent.length === 1, 'a replacement took the last run');
  assert.equal(w.children[1].sent[0].id, c);
  await w.set.stop(true, 'closed');
  assert.deepEqual(w.settledOf(c)[2], { kind: 'cancelled', pid: w.children[1].pid, reason: 'closed' });
  assert.deepEqual(w.set.pids(), []);
});

test('a worker asked to leave that stays is stopped after ten grace periods', async () => {
  const w = workerSet({ graceMs: 100 });
  const a = w.run();
  await until(() => w.children[0]?.sent.length === 1, 'the run sent');
  w.children[0].say({ k: 'done', id: a, value: 1, ms: 1 });
  const stopped = w.set.stop(false, 'done');
  await until(() => w.clock.pending.includes(1000), 'the deadline armed');
  assert.deepEqual(w.children[0].sent.at(-1), { k: 'stop' });
  w.clock.fire(1000);
  assert.deepEqual(w.children[0].signals, ['SIGTERM']);
  await stopped;
  assert.equal(w.children[0].running, false);
});

/** A claimed run over `count` items whose workers are stand-ins. */
function claimedRun({ count = 10, workers = 2, timeoutMs, refuse = () => false } = {}) {
  const children = [];
  const clock = handClock();
  let claims;
  const values = [];
  const run = new ClaimedRun({
    count, workers, chunkSize: 1, title: 'test', collect: true,
    describeItem: (i) => `item ${i}`,
    item: () => undefined,
    onValues: (indices, v) => values.push(...indices.map((i, k) => [i, v[k]])),
    timeoutMs, graceMs: 100, forkOptions: { allowActiveResources: [] },
    clock,
    spawn: async (w, shared) => {
      claims = shared;
      if (refuse(w)) throw Object.assign(new Error(`cannot fork worker ${w}`), { code: 'ERR_COWLOOP_FORK_FAILED' });
      const child = new StandInChild();
      child.w = w;
      children.push(child);
      return child;
    },
  });
  const report = (child, n) => child.finish({ pid: child.pid, index: child.w, count: n, timeMs: 0, summary: undefined });
  return { run, children, clock, values, report, claims: () => claims };
}

test('a claimed run collects the values and the reports of workers that end well', async () => {
  const c = claimedRun();
  await until(() => c.children.length === 2, 'both workers forked');
  c.children[0].say({ k: 'v', i: [0, 2], v: ['a', 'c'] });
  c.children[1].say({ k: 'v', i: [1], v: ['b'] });
  c.report(c.children[0], 2);
  c.report(c.children[1], 1);
  const reports = await c.run.done;
  assert.deepEqual(reports.map((r) => r.count), [2, 1]);
  assert.deepEqual(c.values, [[0, 'a'], [2, 'c'], [1, 'b']]);
});

test("an item's error stops the claims and fails the call with the item's name", async () => {
  const c = claimedRun();
  await until(() => c.children.length === 2, 'both workers forked');
  c.children[1].say({ k: 'e', i: 4, error: errorToWire(new TypeError('no')) });
  assert.equal(c.claims().claim(0), CLAIMS_CLOSED, 'no item is handed out any more');
  c.children[1].say({ k: 'v', i: [5], v: ['late'] });
  c.report(c.children[0], 3);
  c.report(c.children[1], 1);
  await assert.rejects(c.run.done, { code: 'ERR_COWLOOP_TASK_FAILED', message: `item 4 failed in worker ${c.children[1].pid}: TypeError: no` });
  assert.deepEqual(c.values, [], 'values after the failure are dropped');
});

test('a worker that dies fails the call with the item it was on, once the others end', async () => {
  const c = claimedRun();
  await until(() => c.children.length === 2, 'both workers forked');
  c.claims().setInFlight(0, 6);
  c.children[0].die('SIGKILL');
  c.report(c.children[1], 9);
  await assert.rejects(c.run.done, { code: 'ERR_COWLOOP_WORKER_DIED', message: `worker ${c.children[0].pid} was killed by SIGKILL while processing item 6` });
});

test("the call's timeout kills every worker and names the items still running", async () => {
  const c = claimedRun({ timeoutMs: 3000 });
  await until(() => c.children.length === 2 && c.clock.pending.includes(3000), 'the timeout armed');
  c.claims().setInFlight(1, 7);
  c.children[0].ignoreTerm = true;
  c.clock.fire(3000);
  await until(() => c.children.every((ch) => ch.signals.length === 1) && !c.children[1].running && c.clock.pending.length === 1, 'both workers signalled, one gone');
  assert.deepEqual(c.children.map((ch) => ch.signals), [['SIGTERM'], ['SIGTERM']]);
  assert.equal(c.clock.fire(100), 1, 'the child that ignored SIGTERM gets SIGKILL after the grace');
  await assert.rejects(c.run.done, { code: 'ERR_COWLOOP_JOB_TIMEOUT', message: `timed out after 3 s; still running: item 7 in worker ${c.children[1].pid}; the workers were killed` });
  assert.deepEqual(c.children[0].signals, ['SIGTERM', 'SIGKILL']);
  assert.deepEqual(c.clock.pending, [], 'no timer is left');
});

test('a refused fork fails the call with its error; the workers that were forked find no items', async () => {
  const c = claimedRun({ refuse: (w) => w === 1 });
  await until(() => c.children.length === 1 && c.claims().claim(0) === CLAIMS_CLOSED, 'the claims closed');
  c.report(c.children[0], 0);
  await assert.rejects(c.run.done, { code: 'ERR_COWLOOP_FORK_FAILED', message: 'cannot fork worker 1' });
});

test('SignalStop: the first signal stops, the grace period or a later second signal kills, its echo does nothing', () => {
  const clock = handClock();
  const signals = new EventEmitter();
  const seen = [];
  const stop = new SignalStop({ clock, signals, graceMs: 5000, stop: (s) => seen.push(['stop', s]), kill: (s) => seen.push(['kill', s]) });
  stop.watch();
  signals.emit('SIGINT', 'SIGINT');
  clock.advance(100);
  signals.emit('SIGINT', 'SIGINT');
  assert.deepEqual(seen, [['stop', 'SIGINT']], 'the echo of the same keypress is ignored');
  clock.advance(900); // 1 s after the first
  signals.emit('SIGTERM', 'SIGTERM');
  assert.deepEqual(seen.at(-1), ['kill', 'SIGTERM']);
  assert.equal(clock.fire(5000), 1);
  assert.deepEqual(seen.at(-1), ['kill', undefined]);
  assert.ok(stop.interrupted);
  stop.dispose();
  assert.equal(signals.listenerCount('SIGINT') + signals.listenerCount('SIGTERM'), 0);
});
