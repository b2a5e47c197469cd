// Memory that stays shared (sharedMemory) and memory that is shared until written (fork).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, sharedMemory } from 'cowloop';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { createRequire } from 'node:module';
import { root } from './helpers/root.mjs';

const { workerNodeFlags } = createRequire(import.meta.url)('../dist/cjs/cli/node-flags.js');

test('4 children each Atomics.add 1,000,000 times on one sharedMemory counter', async () => {
  const counter = new Int32Array(sharedMemory(4096));
  const children = await Promise.all(
    [0, 1, 2, 3].map(() => fork(() => {
      for (let i = 0; i < 1_000_000; i++) Atomics.add(counter, 0, 1);
    })),
  );
  await Promise.all(children.map((c) => c.exited));
  for (const c of children) assert.deepEqual(await c.exited, { code: 0, signal: null });
  assert.equal(Atomics.load(counter, 0), 4_000_000);
});

test('sharedMemory validates its size', () => {
  assert.throws(() => sharedMemory(0), { code: 'ERR_COWLOOP_INVALID_ARGUMENT', message: /bytes must be an integer/ });
  assert.throws(() => sharedMemory(1.5), { code: 'ERR_COWLOOP_INVALID_ARGUMENT' });
});

test('a child that reads 200 MB of ArrayBuffer and 1 M objects copies under 10% of it', async () => {
  // Run with the node flags the cowloop command uses for its workers (a small young
  // generation), after a compacting GC, as the event loop does before it forks.
  const fixture = path.join(root, 'test', 'fixtures', 'process', 'uss-after-read.mjs');
  const { stdout } = await promisify(execFile)(process.execPath, [...workerNodeFlags(), fixture], { maxBuffer: 1 << 20 });
  const out = JSON.parse(stdout);
  assert.deepEqual(out.exit, { code: 0, signal: null });
  assert.equal(out.w, out.expectedW);
  // Private memory less the child's young generation: on Node 24 and 26 a forked child's
  // young generation was seen to grow far past --max-semi-space-size under load
  // (docs/architecture.md, "Node.js releases"); that is its own garbage, not the state unshared.
  const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);
  assert.ok(
    out.uss - out.youngBytes < 0.1 * out.stateBytes,
    `child USS ${mib(out.uss)} MiB of which young generation ${mib(out.youngBytes)} MiB, state ${mib(out.stateBytes)} MiB`,
  );
});
