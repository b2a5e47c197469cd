// How many ranges a queued job's node claims (src/service/range-claim.ts): the free places in
// its workers' hands, and its one spare range only while the ranges left unread are at least
// as many as all the nodes hold leased.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { rangesToClaim, takesSpare } = require('../dist/cjs/service/range-claim.js');

test('far from the end of the queue: the free places and the spare', () => {
  // 1,000 nodes of 8 workers early in a job of 200,000 ranges.
  const plenty = { unread: 150000, leased: 17000 };
  assert.equal(rangesToClaim(8, 0, plenty), 17);
  assert.equal(rangesToClaim(8, 15, plenty), 2);
  // Hands full: the spare alone; spare held too: nothing.
  assert.equal(rangesToClaim(8, 16, plenty), 1);
  assert.equal(rangesToClaim(8, 17, plenty), 0);
});

test('near the end: the free places only, and a spare already held is kept', () => {
  const near = { unread: 16000, leased: 17000 };
  assert.equal(rangesToClaim(8, 0, near), 16);
  assert.equal(rangesToClaim(8, 15, near), 1);
  assert.equal(rangesToClaim(8, 16, near), 0);
  assert.equal(rangesToClaim(8, 17, near), 0);
  // Nothing unread at all: the claim still asks for the free places (leases that ran out may be there).
  assert.equal(rangesToClaim(2, 1, { unread: 0, leased: 9 }), 3);
});

test('the spare: at least as many unread, once the places are filled, as all the nodes hold leased', () => {
  assert.equal(takesSpare({ unread: 25, leased: 20 }, 5), true);
  assert.equal(takesSpare({ unread: 24, leased: 20 }, 5), false);
  assert.equal(takesSpare({ unread: 20, leased: 20 }, 0), true);
  assert.equal(takesSpare({ unread: 19, leased: 20 }, 0), false);
  // The same figures through the count to claim: one more than the places, or not.
  assert.equal(rangesToClaim(4, 3, { unread: 25, leased: 20 }), 6);
  assert.equal(rangesToClaim(4, 3, { unread: 24, leased: 20 }), 5);
});

test('counts not known (none read yet, or no lag from a Redis before 7.0): no spare', () => {
  assert.equal(takesSpare(undefined, 0), false);
  assert.equal(takesSpare({ unread: undefined, leased: 0 }, 0), false);
  assert.equal(rangesToClaim(8, 0, undefined), 16);
  assert.equal(rangesToClaim(8, 16, { unread: undefined, leased: 3 }), 0);
});

test('never negative, whatever the node holds', () => {
  assert.equal(rangesToClaim(1, 5, { unread: 1000, leased: 1 }), 0);
  assert.equal(rangesToClaim(1, 3, undefined), 0);
});
