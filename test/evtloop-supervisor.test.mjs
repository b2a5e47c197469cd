// The multi-process loop's supervisor driven with stand-in children: every decision taken
// when a worker's child ends (normal end, recycle, crash and retry, poison event, giving
// up, bad record, a worker's own error), the interrupt with its grace period, the watchdog
// and the ranges feed. No fork and no clock: the test ends children and fires timers itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { StandInChild, handClock } from './helpers/stand-in-child.mjs';

const require = createRequire(import.meta.url);
const { WorkerSupervisor } = require('../dist/cjs/evtloop/supervisor.js');
const { SharedClaims } = require('../dist/cjs/shm/shared-claims.js');

function workerReport(child, fields) {
  return {
    index: child.index, pid: child.pid, processed: 0, failed: 0, failedEvents: [], algorithms: [], wallMs: 0, cpuMs: 0,
    peakUssMiB: 0, stopped: false, recycled: false, lastEvent: -1, skippedRecords: [], recycleAboveMBIgnored: false, ...fields,
  };
}

function start({ workers = 2, strategy = 'sharedqueue', end = 100, chunkSize = 10, maxEventRetries = 2, onPoisonEvent = 'skip', eventTimeout = 0, root = '/nonexistent/run', spawnFails } = {}) {
  const space = { start: 0, end, workers, chunkSize, files: [] };
  const shared = new SharedClaims(workers, Math.ceil(end / chunkSize));
  const children = [];
  const waiting = [];
  const logs = [];
  const clock = handClock();
  const signals = new EventEmitter();
  const supervisor = new WorkerSupervisor({
    space, shared, strategy, root, maxEventRetries, onPoisonEvent, eventTimeout, stopGrace: 10,
    spawn: async (slot) => {
      if (spawnFails?.(slot)) throw new Error(`cannot fork worker ${slot.index}`);
      const child = Object.assign(new StandInChild({ report: (fields, c) => workerReport(c, fields) }), { index: slot.index, plan: { ...slot.plan }, dir: slot.dir });
      children.push(child);
      for (const w of waiting.splice(0)) w();
      return child;
    },
    log: { error: (m) => logs.push(`error: ${m}`), warning: (m) => logs.push(`warning: ${m}`) },
    progress: () => undefined,
    clock,
    signals,
  });
  const outcome = supervisor.run();
  /** The n-th child forked (0-based), once the supervisor has taken it into its position. */
  const child = async (n) => {
    while (children.length <= n) await new Promise((resolve) => waiting.push(resolve));
    const c = children[n];
    while (supervisor.slots[c.index].child !== c) await new Promise((resolve) => setImmediate(resolve));
    return c;
  };
  return { supervisor, shared, children, child, logs, clock, signals, outcome };
}

test('children that end well are counted and their directories merged; handlers and timers are removed', async () => {
  const run = start({ eventTimeout: 5 });
  assert.equal(run.signals.listenerCount('SIGINT'), 1);
  (await run.child(0)).finish({ processed: 60 });
  (await run.child(1)).finish({ processed: 40 });
  const out = await run.outcome;
  assert.equal(out.failure, undefined);
  assert.deepEqual(out.reports.map((r) => [r.index, r.processed, r.generation]), [[0, 60, 0], [1, 40, 0]]);
  assert.deepEqual(out.dirs, ['/nonexistent/run/worker_0', '/nonexistent/run/worker_1']);
  assert.equal(out.restarts + out.recycles, 0);
  assert.equal(run.children.length, 2, 'no child was replaced');
  assert.equal(run.signals.listenerCount('SIGINT') + run.signals.listenerCount('SIGTERM'), 0);
  assert.deepEqual(run.clock.pending, []);
});

test('a recycled child is succeeded by a fresh fork that resumes after its last event, in a directory of its own', async () => {
  const run = start({ strategy: 'roundrobin' });
  (await run.child(0)).finish({ processed: 5, recycled: true, lastEvent: 8 });
  const successor = await run.child(2);
  assert.equal(successor.index, 0);
  assert.equal(successor.plan.from, 9);
  assert.equal(successor.dir, '/nonexistent/run/worker_0.g1');
  successor.finish({ processed: 45 });
  (await run.child(1)).finish({ processed: 50 });
  const out = await run.outcome;
  assert.equal(out.recycles, 1);
  assert.equal(out.restarts, 0);
  assert.deepEqual(out.reports.map((r) => [r.index, r.generation]), [[0, 0], [0, 1], [1, 0]]);
  assert.deepEqual(out.dirs, ['/nonexistent/run/worker_0', '/nonexistent/run/worker_0.g1', '/nonexistent/run/worker_1']);
});

test('a crashed child is replaced: its files are set aside and the replacement redoes its chunks', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cowloop-'));
  try {
    const run = start({ root });
    const first = await run.child(0);
    fs.mkdirSync(first.dir);
    assert.equal(run.shared.claimChunk(first.plan.id), 0);
    run.shared.setInFlight(0, 3);
    first.die('SIGSEGV');
    const replacement = await run.child(2);
    assert.equal(replacement.index, 0);
    assert.deepEqual(replacement.plan.inheritedChunks, [0]);
    assert.notEqual(replacement.plan.id, first.plan.id);
    assert.ok(fs.existsSync(path.join(root, `worker_0.crashed-${first.pid}`)), 'the crashed files are kept aside');
    assert.equal(run.shared.inFlight(0), -1, 'the replacement starts with fresh counters');
    assert.ok(run.logs.some((l) => l.includes(`worker 0 (pid ${first.pid}) was killed by SIGSEGV before returning a result while processing event 3`)), run.logs.join('\n'));
    replacement.finish({ processed: 50 });
    (await run.child(1)).finish({ processed: 50 });
    const out = await run.outcome;
    assert.equal(out.failure, undefined);
    assert.equal(out.restarts, 1);
    assert.deepEqual(out.poison, []);
    assert.deepEqual(out.dirs, [path.join(root, 'worker_0'), path.join(root, 'worker_1')]);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('an event that killed MaxEventRetries children is a poison event: skipped by the next one', async () => {
  const run = start({ workers: 1, maxEventRetries: 2 });
  for (const n of [0, 1]) {
    await run.child(n);
    run.shared.setInFlight(0, 7);
    run.children[n].die('SIGSEGV');
  }
  const third = await run.child(2);
  assert.deepEqual(third.plan.skip, [7]);
  third.finish({ processed: 99 });
  const out = await run.outcome;
  assert.equal(out.failure, undefined);
  assert.deepEqual(out.poison.map((p) => p.number), [7]);
  assert.equal(out.restarts, 2);
  assert.ok(run.logs.includes('error: event 7 killed 2 workers (MaxEventRetries = 2): skipped'), run.logs.join('\n'));
});

test('with OnPoisonEvent = "fail" a poison event fails the run and stops the other children', async () => {
  const run = start({ maxEventRetries: 1, onPoisonEvent: 'fail' });
  const other = await run.child(1);
  run.shared.setInFlight(0, 4);
  run.children[0].die('SIGBUS');
  const out = await run.outcome;
  assert.equal(out.failure.code, 'ERR_COWLOOP_POISON_EVENT');
  assert.match(out.failure.message, /event 4 killed 1 workers/);
  assert.deepEqual(other.signals, ['SIGTERM']);
  assert.equal(run.children.length, 2, 'no replacement');
});

test('a position that died more often than the limit makes the run give up', async () => {
  // 1 worker, MaxEventRetries 2: the limit is 2 * 1 + 1 = 3 restarts; crashes between events poison nothing.
  const run = start({ workers: 1, maxEventRetries: 2 });
  for (let n = 0; n < 4; n++) (await run.child(n)).die('SIGKILL');
  const out = await run.outcome;
  assert.equal(out.failure.code, 'ERR_COWLOOP_WORKER_FAILED');
  assert.match(out.failure.message, /worker 0 died 4 times; giving up/);
  assert.equal(out.restarts, 3);
  assert.equal(run.children.length, 4);
});

test('bad records: every child ends first, then the one nearest the start fails the run', async () => {
  const run = start();
  (await run.child(0)).finish({ processed: 10, badRecord: { event: 42, message: 'record 42 is cut short' } });
  assert.equal(await Promise.race([run.outcome.then(() => 'ended'), Promise.resolve('running')]), 'running');
  (await run.child(1)).finish({ processed: 20, badRecord: { event: 30, message: 'record 30 is cut short' } });
  const out = await run.outcome;
  assert.equal(out.failure.code, 'ERR_COWLOOP_IO_BAD_RECORD');
  assert.equal(out.failure.message, `worker 1 (pid ${run.children[1].pid}) failed: record 30 is cut short`);
  assert.equal(out.reports.length, 2, 'both reports are kept');
  assert.equal(run.children.length, 2);
});

test("a child's own error keeps its code and stops the others; an unknown code becomes ERR_COWLOOP_WORKER_FAILED", async () => {
  for (const [code, expected] of [['ERR_COWLOOP_IO_OUTPUT', 'ERR_COWLOOP_IO_OUTPUT'], ['EWHATEVER', 'ERR_COWLOOP_WORKER_FAILED']]) {
    const run = start();
    const other = await run.child(1);
    run.children[0].fail(Object.assign(new Error('disk full'), { code, failedEvent: { number: 3 } }));
    const out = await run.outcome;
    assert.equal(out.failure.code, expected);
    assert.equal(out.failure.message, `worker 0 (pid ${run.children[0].pid}) failed: disk full`);
    assert.deepEqual(out.failure.failedEvent, { number: 3 });
    assert.deepEqual(other.signals, ['SIGTERM']);
  }
});

test('SIGINT stops handing out events; after StopGrace the children still running are killed; the echo is ignored', async () => {
  const run = start();
  const [a, b] = [await run.child(0), await run.child(1)];
  run.shared.countDone(1, true);
  run.shared.countDone(1, false);
  run.signals.emit('SIGINT', 'SIGINT');
  assert.equal(run.shared.stopRequested, true);
  assert.deepEqual([a.signals, b.signals], [[], []], 'the first signal kills nobody');
  run.clock.advance(100);
  run.signals.emit('SIGINT', 'SIGINT'); // the same keypress, seen by the command and the master
  assert.deepEqual(b.signals, []);
  a.finish({ processed: 30, stopped: true });
  assert.equal(run.clock.fire(10_000), 1, 'StopGrace (10 s) ran out');
  assert.deepEqual(b.signals, ['SIGKILL']);
  const out = await run.outcome;
  assert.equal(out.interrupted, true);
  assert.equal(out.failure, undefined);
  assert.equal(run.children.length, 2, 'a child killed while stopping is not replaced');
  assert.deepEqual(out.unreported, { processed: 2, failed: 1 });
  assert.ok(run.logs.includes('warning: SIGINT: stopping; workers finish their current event (up to 10 s)'));
});

test('a second signal after the echo window kills the children at once', async () => {
  const run = start({ strategy: 'ranges', end: 40 });
  const [a, b] = [await run.child(0), await run.child(1)];
  run.signals.emit('SIGTERM', 'SIGTERM');
  assert.deepEqual(a.sent.at(-1), { type: 'stop' }, 'a ranges child is told to stop');
  run.clock.advance(1000);
  run.signals.emit('SIGTERM', 'SIGTERM');
  assert.deepEqual([a.signals, b.signals], [['SIGKILL'], ['SIGKILL']]);
  assert.equal((await run.outcome).interrupted, true);
  assert.ok(run.logs.includes('warning: SIGTERM again: killing the workers'));
});

test('the watchdog kills a child whose count stops moving for EventTimeout, and it is replaced', async () => {
  const run = start({ eventTimeout: 2 });
  const [stuck, busy] = [await run.child(0), await run.child(1)];
  run.clock.advance(1500);
  run.shared.countDone(1, true);
  run.supervisor.checkProgress();
  assert.deepEqual([stuck.signals, busy.signals], [[], []]);
  run.clock.advance(1000); // stuck: 2.5 s without progress; busy: 1 s since its last event
  run.supervisor.checkProgress();
  assert.deepEqual([stuck.signals, busy.signals], [['SIGKILL'], []]);
  const replacement = await run.child(2);
  assert.equal(replacement.index, 0);
  replacement.finish({ processed: 50 });
  busy.finish({ processed: 50 });
  const out = await run.outcome;
  assert.equal(out.restarts, 1);
  assert.ok(run.logs.some((l) => l.startsWith(`error: worker 0 (pid ${stuck.pid}) made no progress for 2 s`)));
});

test('ranges: two in hand per child, the next on each range-done, and a crashed child\'s ranges go to its replacement first', async () => {
  const run = start({ workers: 1, strategy: 'ranges', end: 50 });
  const first = await run.child(0);
  assert.deepEqual(first.sent.map((m) => m.id), [0, 1]);
  first.emit('message', { type: 'range-done', id: 0 });
  assert.deepEqual(first.sent.map((m) => m.id), [0, 1, 2]);
  first.die('SIGSEGV');
  const second = await run.child(1);
  assert.deepEqual(second.sent.map((m) => m.id), [0, 1], 'the ranges given to the crashed child are resent, in order');
  for (const id of [0, 1, 2, 3]) second.emit('message', { type: 'range-done', id });
  assert.deepEqual(second.sent.map((m) => m.id), [0, 1, 2, 3, 4]);
  second.emit('message', { type: 'range-done', id: 4 });
  assert.deepEqual(second.sent.at(-1), { type: 'stop' }, 'nothing left: the child is told to stop');
  second.finish({ processed: 50 });
  assert.equal((await run.outcome).failure, undefined);
});

test('a refused fork ends the children already forked and fails the run with the reason', async () => {
  const run = start({ spawnFails: (slot) => slot.index === 1 });
  const out = await run.outcome;
  assert.match(out.failure.message, /cannot fork worker 1/);
  assert.deepEqual(run.children[0].signals, ['SIGKILL']);
  assert.equal(run.shared.stopRequested, true);
  assert.deepEqual(out.dirs, []);
});
