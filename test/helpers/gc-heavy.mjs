// Forks pairs of GC-heavy children and checks each one's result and clean exit. A child
// forked while a platform thread waited on the task queue would hang at its first GC task.
import assert from 'node:assert/strict';
import { fork } from 'cowloop';

export async function forkGcHeavyPairs(rounds) {
  // State that young- and old-generation collections in the child must walk.
  const retained = Array.from({ length: 50_000 }, (_, i) => ({ i, s: `item ${i}` }));
  const gcWork = () => {
    let keep = [];
    let sum = 0;
    for (let i = 0; i < 1_000_000; i++) {
      keep.push({ i, v: [i, i + 1] });
      if (keep.length > 50_000) keep = []; // old generation fills and is collected too
      sum += i;
    }
    return sum + retained.length;
  };
  const expected = gcWork();
  for (let round = 0; round < rounds; round++) {
    const pair = await Promise.all([fork(gcWork), fork(gcWork)]);
    for (const child of pair) {
      assert.equal(await child.result, expected);
      assert.deepEqual(await child.exited, { code: 0, signal: null }, `fork ${round * 2 + child.index}`);
    }
  }
}
