import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { CowloopError, memoryUsage, readSmaps } from 'cowloop';
import { startHolder } from './fixtures/mem/holder.mjs';

test('memoryUsage of this process is consistent: PSS <= RSS, USS = private clean + dirty', () => {
  const m = memoryUsage();
  for (const key of ['rss', 'pss', 'uss', 'sharedClean', 'sharedDirty', 'privateClean', 'privateDirty', 'swap']) {
    assert.equal(typeof m[key], 'number', key);
    assert.ok(m[key] >= 0, key);
  }
  assert.ok(m.rss > 10, `a node process has more than 10 MiB resident (got ${m.rss})`);
  assert.ok(m.pss <= m.rss);
  assert.ok(m.uss <= m.pss);
  assert.equal(m.uss, m.privateClean + m.privateDirty);
  assert.ok(Math.abs(m.rss - (m.sharedClean + m.sharedDirty + m.uss)) < 1e-9);
  assert.deepEqual(Object.keys(memoryUsage(process.pid)).sort(), Object.keys(m).sort());
});

test('a 100 MiB ArrayBuffer written in a child adds >= 100 MiB of USS, counted as external', async () => {
  const holder = await startHolder();
  try {
    const before = memoryUsage(holder.pid);
    const smapsBefore = readSmaps(holder.pid);
    await holder.run('buffer 100');
    const after = memoryUsage(holder.pid);
    const smapsAfter = readSmaps(holder.pid);
    assert.ok(after.uss - before.uss >= 99, `USS grew by ${after.uss - before.uss} MiB`);
    assert.ok(after.pss <= after.rss);
    const external = smapsAfter.kinds.external.uss - smapsBefore.kinds.external.uss;
    const v8Heap = smapsAfter.kinds.v8Heap.uss - smapsBefore.kinds.v8Heap.uss;
    assert.ok(external >= 99, `external grew by ${external} MiB`);
    assert.ok(v8Heap < 10, `V8 heap grew by ${v8Heap} MiB`);
  } finally {
    assert.equal(await holder.stop(), 0);
  }
});

test('small JS objects land in the V8 heap, not in external memory', async () => {
  const holder = await startHolder();
  try {
    const before = readSmaps(holder.pid);
    await holder.run('objects 400000');
    const after = readSmaps(holder.pid);
    const v8Heap = after.kinds.v8Heap.uss - before.kinds.v8Heap.uss;
    const external = after.kinds.external.uss - before.kinds.external.uss;
    assert.ok(v8Heap >= 20, `V8 heap grew by ${v8Heap} MiB`);
    assert.ok(external < v8Heap / 4, `external grew by ${external} MiB against ${v8Heap} MiB of V8 heap`);
    // Before any fork, V8's pages still carry MADV_DONTFORK.
    assert.ok(after.evidence.dontforkMappings > 0);
  } finally {
    assert.equal(await holder.stop(), 0);
  }
});

test('a process that has exited gives ERR_COWLOOP_NO_SUCH_PROCESS naming the pid', async () => {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await once(child, 'exit');
  const pid = child.pid;
  for (const read of [memoryUsage, readSmaps]) {
    assert.throws(
      () => read(pid),
      (error) =>
        error instanceof CowloopError &&
        error.code === 'ERR_COWLOOP_NO_SUCH_PROCESS' &&
        error.message.includes(String(pid)),
    );
  }
});

test('a pid that is not a positive integer is refused', () => {
  for (const bad of [0, -1, 1.5, '12', null]) {
    assert.throws(() => memoryUsage(bad), { code: 'ERR_COWLOOP_INVALID_ARGUMENT' });
  }
});
