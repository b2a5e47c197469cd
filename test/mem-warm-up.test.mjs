// warmUp(): runs work in this process until V8's code and the resident memory stop growing,
// within its caps, so that what the work compiles and touches first is shared by children
// forked afterwards.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fork, warmUp } from 'cowloop';

/** Work that allocates nothing it keeps: growth stops after the first runs. */
function checksum(run) {
  let h = run;
  for (let i = 0; i < 1000; i++) h = (h * 31 + i) | 0;
  return h;
}

test('work whose growth stops: warmUp stops once settled, after at least 16 runs', async () => {
  const runs = [];
  const report = await warmUp((i) => runs.push(checksum(i)));
  assert.equal(report.stoppedBy, 'settled');
  assert.equal(report.runs, runs.length);
  assert.ok(report.runs >= 16 && report.runs < 1000, `${report.runs} runs`);
});

test('work that touches new memory on every run is stopped by maxRuns, and the growth is reported', async () => {
  const kept = [];
  const report = await warmUp(() => kept.push(Buffer.alloc(1 << 20, 1)), { maxRuns: 40 });
  assert.equal(report.stoppedBy, 'max-runs');
  assert.equal(report.runs, 40);
  assert.equal(kept.length, 40);
  assert.ok(report.residentKiB > 20 * 1024, `resident grew by ${report.residentKiB} KiB`);
});

test('asynchronous work is awaited run by run; a child forked afterwards sees what the runs built', async () => {
  const cache = new Map();
  let running = 0;
  const report = await warmUp(async (i) => {
    assert.equal(running, 0, 'runs do not overlap');
    running++;
    await new Promise((r) => setImmediate(r));
    cache.set(i % 8, checksum(i % 8));
    running--;
  }, { maxRuns: 5 });
  assert.equal(report.runs, 5);
  assert.equal(report.stoppedBy, 'max-runs');
  const child = await fork(() => cache.size);
  assert.equal(await child.result, 5);
  await child.exited;
});

test('work that compiles new code on every run does not settle, and the code growth is reported', async () => {
  const results = [];
  const report = await warmUp((i) => {
    // A fresh function each run: its bytecode (some KiB) is new code every time.
    const body = Array.from({ length: 1000 }, (_, k) => `x = (x * 31 + ${i * 1000 + k}) | 0;`).join('\n');
    results.push(new Function('x', `${body}\nreturn x;`)(i));
  }, { maxRuns: 40 });
  assert.equal(report.stoppedBy, 'max-runs');
  assert.equal(results.length, 40);
  assert.ok(report.codeKiB > 16, `code grew by ${report.codeKiB} KiB`);
});
