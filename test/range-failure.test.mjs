// The policy of a queued job's node when one of its range workers dies, as pure functions
// (src/service/range-failure.ts): which range failed and at which event, when a range is
// poison or handed back and what the node says, and when idle deaths make the node give up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { blameRange, decideFailure, tooManyIdleDeaths, eventsOf } = require('../dist/cjs/service/range-failure.js');

const span = (h) => h.range;
const held = (first, end) => ({ range: { first, end } });

test('the range that holds the event the worker was at is blamed, at that event', () => {
  const a = held(0, 10);
  const b = held(10, 20);
  assert.deepEqual(blameRange([a, b], 14, span), { failed: b, event: 14 });
  assert.deepEqual(blameRange([a, b], 0, span), { failed: a, event: 0 });
  // The end of a range is not in it.
  assert.deepEqual(blameRange([a, b], 10, span), { failed: b, event: 10 });
});

test('a worker that died between events fails the first range in hand, at no event', () => {
  const a = held(30, 40);
  const b = held(40, 50);
  assert.deepEqual(blameRange([a, b], -1, span), { failed: a, event: -1 });
  // An event outside every range in hand (a claim left from an earlier range) blames nobody's event.
  assert.deepEqual(blameRange([a, b], 7, span), { failed: a, event: -1 });
});

test('a worker with nothing in hand fails no range', () => {
  assert.equal(blameRange([], 5, span), undefined);
});

test('idle deaths: three per worker are borne, the next gives up', () => {
  assert.equal(tooManyIdleDeaths(6, 2), false);
  assert.equal(tooManyIdleDeaths(7, 2), true);
  assert.equal(tooManyIdleDeaths(3, 1), false);
  assert.equal(tooManyIdleDeaths(4, 1), true);
});

const range = { first: 100, end: 110 };
const failure = (node, event, why = 'child exited with signal SIGSEGV') => ({ node, event, why });

test('a range that failed on fewer nodes than MaxFailures is handed back, saying where it failed', () => {
  const f = failure('a:1', 104);
  const d = decideFailure(range, f, [f], 2);
  assert.deepEqual(d, {
    kind: 'hand-back',
    line: 'cowloop: range [100, 110) failed here at event 104 (on 1 of the 2 nodes that make it poison): handed back; child exited with signal SIGSEGV',
  });
  const between = failure('a:1', -1, 'died');
  assert.equal(decideFailure(range, between, [between], 3).line, 'cowloop: range [100, 110) failed here (on 1 of the 3 nodes that make it poison): handed back; died');
});

test('a range that failed on MaxFailures nodes is poison, with every event it failed at', () => {
  const failures = [failure('a:1', 107), failure('b:2', 104), failure('c:3', 107)];
  assert.deepEqual(decideFailure(range, failures[2], failures, 3), {
    kind: 'poison',
    line: 'cowloop: range [100, 110) failed on 3 nodes at event 107: poison, given up (events 104, 107)',
  });
  // More failures than needed (two nodes failed it at once) is poison too.
  assert.equal(decideFailure(range, failures[0], failures, 2).kind, 'poison');
  // MaxFailures 1: the first failure is poison.
  assert.equal(decideFailure(range, failures[0], [failures[0]], 1).kind, 'poison');
});

test('a poison range whose workers always died between events says the events are unknown', () => {
  const failures = [failure('a:1', -1), failure('b:2', -1)];
  assert.equal(eventsOf(failures), 'unknown: the workers died between events');
  assert.equal(decideFailure(range, failures[1], failures, 2).line, 'cowloop: range [100, 110) failed on 2 nodes: poison, given up (events unknown: the workers died between events)');
});
