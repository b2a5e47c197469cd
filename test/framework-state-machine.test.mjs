// The application's state machine: offline -> configured -> initialized -> running and
// back; illegal transitions are errors that name the current state and the allowed ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Algorithm, Service, createApplication } from 'cowloop';

function recorder() {
  const calls = [];
  class Tracer extends Algorithm {
    initialize() { calls.push(`${this.name}.initialize`); }
    start() { calls.push(`${this.name}.start`); }
    execute(ctx) { calls.push(`${this.name}.execute ${ctx.number}`); }
    stop() { calls.push(`${this.name}.stop`); }
    finalize() { calls.push(`${this.name}.finalize`); }
  }
  class Book extends Service {
    initialize() { calls.push('Book.initialize'); }
    start() { calls.push('Book.start'); }
    stop() { calls.push('Book.stop'); }
    finalize() { calls.push('Book.finalize'); }
  }
  return { calls, Tracer, Book };
}

const quiet = { write() {} };
const options = (extra = {}) => ({
  ApplicationMgr: { ExtSvc: ['CounterSelector/EventSelector', 'Book'], TopAlg: ['Tracer/A', 'Tracer/B'], ...extra },
  EventSelector: { Events: 2 },
});

test('run() walks every transition in order and leaves the application offline', async () => {
  const { calls, Tracer, Book } = recorder();
  const app = createApplication({ options: options(), components: [Tracer, Book], messageSink: quiet });
  assert.equal(app.state, 'offline');
  const summary = await app.run();
  assert.equal(app.state, 'offline');
  assert.equal(summary.processed, 2);
  assert.deepEqual(calls, [
    'Book.initialize',
    'A.initialize',
    'B.initialize',
    'Book.start',
    'A.start',
    'B.start',
    'A.execute 0',
    'B.execute 0',
    'A.execute 1',
    'B.execute 1',
    'A.stop',
    'B.stop',
    'Book.stop',
    // algorithms are finalized before the services they may still use
    'B.finalize',
    'A.finalize',
    'Book.finalize',
  ]);
});

test('each step moves one state; stop/start and finalize/initialize cycles are legal', async () => {
  const { Tracer, Book } = recorder();
  const app = createApplication({ options: options(), components: [Tracer, Book], messageSink: quiet });
  const seen = [];
  for (const step of ['configure', 'initialize', 'start', 'stop', 'start', 'stop', 'finalize', 'terminate']) {
    await app[step]();
    seen.push(app.state);
  }
  assert.deepEqual(seen, ['configured', 'initialized', 'running', 'initialized', 'running', 'initialized', 'configured', 'offline']);
  // A terminated application can run again, with fresh components.
  const old = app.component('A');
  const summary = await app.run();
  assert.equal(summary.processed, 2);
  assert.notEqual(app.component('A'), old);
});

test('an illegal transition throws ERR_COWLOOP_ILLEGAL_TRANSITION naming the state and the allowed steps', async () => {
  const { Tracer, Book } = recorder();
  const app = createApplication({ options: options(), components: [Tracer, Book], messageSink: quiet });
  await assert.rejects(app.start(), (e) => {
    assert.equal(e.code, 'ERR_COWLOOP_ILLEGAL_TRANSITION');
    assert.match(e.message, /cannot start in state "offline" \(start needs state "initialized"; allowed now: configure\)/);
    return true;
  });
  await app.configure();
  await assert.rejects(app.configure(), /cannot configure in state "configured" .*allowed now: initialize, terminate/);
  await assert.rejects(app.executeRun(), { code: 'ERR_COWLOOP_ILLEGAL_TRANSITION' });
  await app.initialize();
  await assert.rejects(app.terminate(), /cannot terminate in state "initialized" .*allowed now: start, finalize/);
  await app.start();
  await assert.rejects(app.finalize(), /cannot finalize in state "running" .*allowed now: stop/);
  assert.equal(app.state, 'running');
  await app.stop();
  await app.finalize();
  await app.terminate();
});

test('a component failing in initialize is reported with its name and the cause', async () => {
  class Broken extends Algorithm {
    initialize() { throw new Error('calibration file missing'); }
    execute() {}
  }
  const app = createApplication({ options: { ApplicationMgr: { ExtSvc: ['CounterSelector/EventSelector'], TopAlg: ['Broken/B'] } }, components: [Broken], messageSink: quiet });
  await app.configure();
  await assert.rejects(app.initialize(), (e) => {
    assert.equal(e.code, 'ERR_COWLOOP_COMPONENT_FAILED');
    assert.equal(e.message, 'B (Broken): initialize failed: calibration file missing');
    assert.equal(e.cause.message, 'calibration file missing');
    return true;
  });
  assert.equal(app.state, 'configured');
});

test('services are created once by name; EventStore and EventStoreSvc are the same store', async () => {
  const { Tracer, Book } = recorder();
  const app = createApplication({ options: options(), components: [Tracer, Book], messageSink: quiet });
  await app.configure();
  assert.equal(app.service('Book'), app.component('Book'));
  assert.equal(app.service('EventStoreSvc'), app.service('EventStore'));
  assert.throws(() => app.service('Bok'), (e) => e.code === 'ERR_COWLOOP_UNKNOWN_COMPONENT' && /no service "Bok".*\(did you mean "Book"\?\)/.test(e.message));
});

test('prefork() calls every component\'s hook once, after initialize', async () => {
  const calls = [];
  class Lazy extends Algorithm {
    prefork() { calls.push(this.name); }
    execute() {}
  }
  class Tables extends Service {
    prefork() { calls.push(this.name); }
  }
  const app = createApplication({
    options: { ApplicationMgr: { ExtSvc: ['CounterSelector/EventSelector', 'Tables'], TopAlg: ['Lazy/A', 'Sequence/Inner'] }, Inner: { Members: ['Lazy/B', 'Lazy/A'] } },
    components: [Lazy, Tables],
    messageSink: quiet,
  });
  await app.configure();
  await app.initialize();
  await app.prefork();
  assert.deepEqual(calls, ['Tables', 'A', 'B']);
});
