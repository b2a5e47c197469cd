// fork({ hugePages: true }): the parent's large state moves into 2 MiB pages, and children
// still see the parent's values and only their own writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { fork } from 'cowloop';
import { hugePagesUnavailable } from './helpers/huge-pages.mjs';

const MiB = 2 ** 20;

/** AnonHugePages of this process, in bytes. */
function anonHugePages() {
  const match = /^AnonHugePages:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/smaps_rollup', 'utf8'));
  return Number(match[1]) * 1024;
}

test('fork({ hugePages: true }) puts a 64 MiB Float64Array in huge pages; a child writes its own copy', { skip: hugePagesUnavailable() }, async () => {
  const values = new Float64Array((64 * MiB) / 8);
  for (let i = 0; i < values.length; i++) values[i] = i * 0.5;
  const child = await fork((ctx) => {
    const before = values[123_456];
    values[123_456] = -1;
    values[values.length - 1] += 1;
    let sum = 0;
    for (let i = 0; i < values.length; i += 4096) sum += values[i];
    ctx.send('written');
    return { before, after: values[123_456], last: values[values.length - 1], sum };
  }, { hugePages: true });
  // Some blocks may stay small (the kernel may find no free 2 MiB page for one), not all.
  const huge = anonHugePages();
  assert.ok(huge > 0, `AnonHugePages of the parent after the fork: ${huge / MiB} MiB, expected some`);
  assert.ok(child.timing.hugePagesMs > 0);
  let expectedSum = 0;
  for (let i = 0; i < values.length; i += 4096) expectedSum += values[i];
  const result = await child.result;
  assert.deepEqual(await child.exited, { code: 0, signal: null });
  assert.deepEqual(result, {
    before: 123_456 * 0.5,
    after: -1,
    last: (values.length - 1) * 0.5 + 1,
    sum: expectedSum, // 123,456 is not among the indices summed
  });
  // The parent's copy is untouched by the child's writes.
  assert.equal(values[123_456], 123_456 * 0.5);
  assert.equal(values[values.length - 1], (values.length - 1) * 0.5);
});

test('fork() without hugePages reports no huge-page time', async () => {
  const child = await fork(() => 1);
  assert.equal(child.timing.hugePagesMs, 0);
  assert.equal(typeof child.timing.forkCpuMs, 'number');
  assert.ok(child.timing.forkCpuMs >= 0 && child.timing.forkCpuMs <= child.timing.forkMs + 1);
  assert.equal(await child.result, 1);
  await child.exited;
});

test('fork() refuses a hugePages option that is not a boolean', async () => {
  await assert.rejects(fork(() => 1, { hugePages: 'yes' }), {
    code: 'ERR_COWLOOP_INVALID_ARGUMENT',
    message: /options\.hugePages.*true or false/,
  });
});
