// The soak's quick variant (the long one: npm run soak): runs of the reco example with 4
// workers, one worker killed by SIGKILL at a random moment in each; every run ends with
// the serial run's outputs byte for byte.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { soak } from '../fixtures/faults/soak-run.mjs';
import { noWorkersLeft } from '../fixtures/faults/helpers.mjs';

after(() => noWorkersLeft());

test('6 runs, a random worker SIGKILLed at a random moment in each: outputs equal the serial run', async () => {
  const lines = [];
  const seed = Number(process.env.COWLOOP_SOAK_SEED ?? Math.floor(Math.random() * 1e9));
  const { runs } = await soak({ runs: 6, events: 200, seed, log: (l) => lines.push(l) });
  assert.equal(runs.length, 6, lines.join('\n'));
  for (const r of runs) {
    assert.equal(r.code, 0, lines.join('\n'));
    // A kill that landed on a running worker shows as a restart.
    if (r.killed !== null) assert.ok(r.restarts <= 1, lines.join('\n'));
  }
  // Most kills land on a worker that is still running (the moment is random, so not all).
  assert.ok(runs.some((r) => r.restarts === 1), `no kill landed (seed ${seed}):\n${lines.join('\n')}`);
});
