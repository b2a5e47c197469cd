// Many children at once: exactly as many as asked, all children of this process, with
// messages both ways and each way of ending reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'cowloop';
import { childrenOf, procStat } from './helpers/proc.mjs';

test('8 children requested with Promise.all are 8 children of the master, no grandchild', async () => {
  const children = await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      fork((ctx) => new Promise((resolve) => {
        ctx.send({ ready: ctx.index, pid: process.pid });
        ctx.on('message', (m) => {
          if (m === 'stop') resolve({ index: ctx.index, echoed: true });
        });
      }), { index: i }),
    ),
  );
  assert.equal(children.length, 8);
  const ready = await Promise.all(children.map((c) => new Promise((r) => c.once('message', r))));
  assert.deepEqual(ready.map((m) => m.ready), [0, 1, 2, 3, 4, 5, 6, 7]);
  // While all 8 wait for our message: they are our children and have none of their own.
  const mine = childrenOf(process.pid).filter((pid) => children.some((c) => c.pid === pid));
  assert.equal(mine.length, 8);
  for (const c of children) {
    assert.equal(procStat(c.pid).ppid, process.pid);
    assert.deepEqual(childrenOf(c.pid), [], `child ${c.pid} has children of its own`);
    assert.equal(ready[c.index].pid, c.pid);
  }
  for (const c of children) assert.equal(c.send('stop'), true);
  const results = await Promise.all(children.map((c) => c.result));
  assert.deepEqual(results.map((r) => r.index), [0, 1, 2, 3, 4, 5, 6, 7]);
  const exits = await Promise.all(children.map((c) => c.exited));
  for (const e of exits) assert.deepEqual(e, { code: 0, signal: null });
});

test('a child that throws rejects result with the error\'s name, message and stack', async () => {
  const child = await fork(() => {
    const e = new RangeError('out of range in the child');
    e.code = 'E_CHILD';
    throw e;
  });
  await assert.rejects(child.result, (error) => {
    assert.equal(error.name, 'RangeError');
    assert.ok(error instanceof RangeError);
    assert.equal(error.message, 'out of range in the child');
    assert.equal(error.code, 'E_CHILD');
    assert.equal(error.childPid, child.pid);
    assert.match(error.stack, /process-many-children\.test\.mjs/);
    return true;
  });
  assert.deepEqual(await child.exited, { code: 1, signal: null });
});

test('an async rejection and an uncaught exception in a timer are reported too', async () => {
  const rejected = await fork(async () => {
    await new Promise((r) => setTimeout(r, 5));
    throw new Error('async failure');
  });
  await assert.rejects(rejected.result, /async failure/);
  assert.equal((await rejected.exited).code, 1);

  const uncaught = await fork(() => new Promise(() => {
    setTimeout(() => {
      throw new TypeError('thrown from a timer');
    }, 5);
  }));
  await assert.rejects(uncaught.result, { name: 'TypeError', message: 'thrown from a timer' });
  assert.equal((await uncaught.exited).code, 1);
});

test('a child killed by a signal reports the signal', async () => {
  const child = await fork((ctx) => new Promise(() => {
    ctx.send('waiting');
    setInterval(() => {}, 1000);
  }));
  await new Promise((r) => child.once('message', r));
  assert.equal(child.kill('SIGKILL'), true);
  assert.deepEqual(await child.exited, { code: null, signal: 'SIGKILL' });
  await assert.rejects(child.result, { code: 'ERR_COWLOOP_CHILD_EXITED', signal: 'SIGKILL' });
  assert.equal(child.kill(), false, 'kill after exit is refused, the pid may be reused');
});

test('a child that calls process.exit(3) exits 3, after its own exit listeners', async () => {
  const child = await fork((ctx) => {
    process.on('exit', (code) => ctx.send(`exit listener saw ${code}`));
    process.exit(3);
  });
  const message = new Promise((r) => child.once('message', r));
  assert.deepEqual(await child.exited, { code: 3, signal: null });
  assert.equal(await message, 'exit listener saw 3');
  await assert.rejects(child.result, { code: 'ERR_COWLOOP_CHILD_EXITED', exitCode: 3 });
});

test('the parent\'s own exit listeners do not run in the child', async () => {
  let ran = 0;
  const listener = () => { ran++; };
  process.on('exit', listener);
  try {
    const child = await fork(() => process.listenerCount('exit'));
    assert.equal(await child.result, 0);
    await child.exited;
  } finally {
    process.off('exit', listener);
  }
  assert.equal(ran, 0);
});

test('a result that cannot be serialised is a clear error, not a hang', async () => {
  const child = await fork(() => ({ callback: () => 1 }));
  await assert.rejects(child.result, { code: 'ERR_COWLOOP_RESULT_NOT_SERIALIZABLE', message: /cannot be serialised/ });
  assert.equal((await child.exited).code, 1);
  assert.throws(() => child.send(() => 1), { code: 'ERR_COWLOOP_MESSAGE_NOT_SERIALIZABLE' });
});

test('large results and many messages arrive whole and in order', async () => {
  const child = await fork((ctx) => {
    for (let i = 0; i < 2000; i++) ctx.send(i);
    return new Float64Array(4_000_000).fill(0.5);
  });
  const seen = [];
  child.on('message', (m) => seen.push(m));
  const big = await child.result;
  assert.equal(big.length, 4_000_000);
  assert.equal(big[3_999_999], 0.5);
  await child.exited;
  assert.deepEqual(seen, Array.from({ length: 2000 }, (_, i) => i));
});
