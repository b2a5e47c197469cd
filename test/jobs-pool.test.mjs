// Pool through the public API: map, imap (ordered and unordered), apply, errors, close.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pool } from 'cowloop';
import { childrenOf } from './helpers/proc.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

test('map runs a closure over 50,000 items in item order, spread over the workers', async () => {
  const pool = new Pool({ workers: 2 });
  const offset = 7; // captured, never serialised
  const items = Array.from({ length: 50_000 }, (_, i) => i);
  const values = await pool.map((x) => [x + offset, process.pid], items, { chunkSize: 16 });
  assert.equal(values.length, items.length);
  assert.ok(values.every(([v], i) => v === i + offset));
  assert.equal(new Set(values.map(([, pid]) => pid)).size, 2, 'both workers took items');
  assert.ok(!values.some(([, pid]) => pid === process.pid));
  assert.deepEqual(await pool.map((x) => x, []), []);
  assert.deepEqual(await pool.map((c, i) => `${i}${c}`, new Set(['a', 'b'])), ['0a', '1b']);
  await pool.close();
  assert.deepEqual(childrenOf(process.pid), []);
});

test('imap yields in item order, or in completion order with { ordered: false }', async () => {
  const pool = new Pool({ workers: 2 });
  const delays = [120, 10, 60, 0];
  const wait = async (ms) => {
    await sleep(ms);
    return ms;
  };
  const ordered = [];
  for await (const v of pool.imap(wait, delays)) ordered.push(v);
  assert.deepEqual(ordered, delays);
  const unordered = [];
  for await (const v of pool.imap(wait, delays, { ordered: false })) unordered.push(v);
  assert.deepEqual([...unordered].sort((a, b) => a - b), [0, 10, 60, 120]);
  assert.notDeepEqual(unordered, delays, 'the slow first item did not hold the others back');
  await pool.close();
});

test('leaving an imap loop early stops its workers', async () => {
  const pool = new Pool({ workers: 2 });
  const seen = [];
  for await (const v of pool.imap(async (x) => { await sleep(5); return x; }, Array.from({ length: 10_000 }, (_, i) => i))) {
    seen.push(v);
    if (seen.length === 3) break;
  }
  assert.deepEqual(seen, [0, 1, 2]);
  assert.deepEqual(childrenOf(process.pid), [], 'workers stopped claiming and were reaped');
  await pool.close();
});

test('apply runs one call in a forked worker', async () => {
  const pool = new Pool();
  const table = new Map([['answer', 42]]);
  assert.equal(await pool.apply((key, add) => table.get(key) + add, ['answer', 1]), 43);
  assert.equal(await pool.apply(async () => process.pid !== table.size), true);
  await assert.rejects(pool.apply(() => { throw new RangeError('inside'); }), { name: 'RangeError', message: 'inside' });
  await pool.close();
});

test('a failing item rejects the call naming the item, with the worker stack', async () => {
  const pool = new Pool({ workers: 2 });
  const error = await pool.map(function check(x) { if (x === 33) throw new TypeError(`bad ${x}`); return x; }, Array.from({ length: 100 }, (_, i) => i)).catch((e) => e);
  assert.equal(error.code, 'ERR_COWLOOP_TASK_FAILED');
  assert.match(error.message, /^item 33 failed in worker \d+: TypeError: bad 33$/);
  assert.equal(error.itemIndex, 33);
  assert.match(error.stack, /at check/);
  const notClonable = await pool.map((x) => (x === 2 ? () => x : x), [0, 1, 2, 3]).catch((e) => e);
  assert.equal(notClonable.code, 'ERR_COWLOOP_RESULT_NOT_SERIALIZABLE');
  assert.match(notClonable.message, /the value returned for item 2 cannot be serialised/);
  await pool.close();
});

test('a worker that dies names the item it was on; a timeout kills the workers', async () => {
  const pool = new Pool({ workers: 2, killGrace: 0.2 });
  const died = await pool.map((x) => { if (x === 5) process.kill(process.pid, 'SIGKILL'); return x; }, [0, 1, 2, 3, 4, 5, 6]).catch((e) => e);
  assert.equal(died.code, 'ERR_COWLOOP_WORKER_DIED');
  assert.match(died.message, /worker \d+ was killed by SIGKILL while processing item 5/);
  const timedOut = await pool.map(() => { for (;;); }, [1, 2], { timeout: 0.3 }).catch((e) => e);
  assert.equal(timedOut.code, 'ERR_COWLOOP_JOB_TIMEOUT');
  assert.match(timedOut.message, /timed out after 0.3 s; still running: item \d in worker \d+, item \d in worker \d+; the workers were killed/);
  assert.deepEqual(childrenOf(process.pid), []);
  await pool.close();
});

test('close({ force: true }) stops calls in flight; later calls are refused', async () => {
  const pool = new Pool({ workers: 2, killGrace: 0.2 });
  // Item 0 returns at once, item 1 never does: once 0 has arrived, 1 is in flight.
  // (The test waits on the pool itself: a timer of its own would be pending at the fork.)
  const values = pool.imap((x) => { while (x > 0) x++; return x; }, [0, 1]);
  assert.deepEqual(await values.next(), { value: 0, done: false });
  await pool.close({ force: true });
  await assert.rejects(values.next(), { code: 'ERR_COWLOOP_CLOSED', message: /closed with \{ force: true \}/ });
  assert.deepEqual(childrenOf(process.pid), []);
  await assert.rejects(pool.map((x) => x, [1]), { code: 'ERR_COWLOOP_CLOSED' });
  assert.throws(() => pool.imap((x) => x, [1]), { code: 'ERR_COWLOOP_CLOSED' });
});
