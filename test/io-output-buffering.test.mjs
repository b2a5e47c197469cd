// OutputStream gathers records and writes them in blocks: a worker's file holds every batch
// of events it finished (a sharedqueue chunk, a range) while it works on the next, and a
// worker killed with records still in its buffer loses nothing of the result: its
// replacement runs its share again and the merged file equals the serial one.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { spawnCollecting } from './helpers/spawn-collecting.mjs';
import { waitFor } from './helpers/proc.mjs';
import { bin, root } from './helpers/root.mjs';
import { withDir } from './helpers/tmp.mjs';

const job = path.join(root, 'test', 'fixtures', 'io', 'hold.opts');
const EVENTS = 60;
const HOLD_AT = 25;

function writeInput(file) {
  fs.writeFileSync(file, Array.from({ length: EVENTS }, (_, i) => `{"x":${i}}\n`).join(''));
}

/** `cowloop run` of the hold job into `out`; `holdDir` empty: no hold. */
function run(out, input, workers, holdDir, sets = []) {
  const all = { 'EventSelector.Input': JSON.stringify([input]), 'Hold.Dir': JSON.stringify(holdDir), 'Hold.HoldAt': String(HOLD_AT), ...Object.fromEntries(sets) };
  return spawnCollecting([bin, 'run', job, '--out', out, '--workers', String(workers), '--progress', 'none', ...Object.entries(all).flatMap(([k, v]) => ['--set', `${k}=${v}`])], {});
}

async function serialOutput(dir, input) {
  const out = path.join(dir, 'serial');
  const r = await run(out, input, 0, '').done;
  assert.equal(r.status, 0, r.stderr);
  return fs.readFileSync(path.join(out, 'out.ndjson'), 'utf8');
}

/** Event numbers in the one worker's file of the run in progress. */
function workerFileEvents(out) {
  const runs = fs.readdirSync(path.join(out, 'workers'));
  assert.equal(runs.length, 1, `one run directory: ${runs}`);
  const text = fs.readFileSync(path.join(out, 'workers', runs[0], 'worker_0', 'out.ndjson'), 'utf8');
  assert.ok(text === '' || text.endsWith('\n'), 'the file ends with a whole record');
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line).event);
}

const range = (n) => [...Array(n).keys()];

for (const [strategy, bufferBytes, expected] of [
  // Batches of 10: chunks (ranges) 0 and 1 are done, the records of 20-25 wait in the buffer.
  ['sharedqueue', undefined, range(20)],
  ['ranges', undefined, range(20)],
  // No buffer: every record is in the file as soon as it is written (event 25's comes after Hold).
  ['sharedqueue', 0, range(HOLD_AT)],
]) {
  test(`${strategy}, BufferBytes ${bufferBytes ?? 'default'}: the worker's file holds events ${expected[0]}-${expected.at(-1)} while event ${HOLD_AT} runs; the result equals the serial one`, async () => {
    await withDir(async (dir) => {
      const input = path.join(dir, 'in.ndjson');
      writeInput(input);
      const serial = await serialOutput(dir, input);
      const holdDir = path.join(dir, 'hold');
      fs.mkdirSync(holdDir);
      const out = path.join(dir, 'mp');
      const sets = [['MpEventLoopMgr.Strategy', JSON.stringify(strategy)], ...(bufferBytes === undefined ? [] : [['Out.BufferBytes', String(bufferBytes)]])];
      const running = run(out, input, 1, holdDir, sets);
      let seen;
      try {
        await waitFor(() => fs.existsSync(path.join(holdDir, 'held')), 30_000);
        seen = workerFileEvents(out);
      } finally {
        fs.writeFileSync(path.join(holdDir, 'go'), ''); // the run ends either way, and is waited for
      }
      const r = await running.done;
      assert.deepEqual(seen, expected);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(fs.readFileSync(path.join(out, 'out.ndjson'), 'utf8'), serial);
    });
  });
}

test('a worker killed with records in its buffer: its replacement runs its share again, the result equals the serial one', async () => {
  await withDir(async (dir) => {
    const input = path.join(dir, 'in.ndjson');
    writeInput(input);
    const serial = await serialOutput(dir, input);
    const holdDir = path.join(dir, 'hold');
    fs.mkdirSync(holdDir);
    const out = path.join(dir, 'mp');
    const running = run(out, input, 1, holdDir, [['MpEventLoopMgr.KeepWorkerOutputs', 'true']]);
    let seen;
    try {
      await waitFor(() => fs.existsSync(path.join(holdDir, 'held')), 30_000);
      seen = workerFileEvents(out);
      process.kill(Number(fs.readFileSync(path.join(holdDir, 'held'), 'utf8')), 'SIGKILL');
    } finally {
      fs.writeFileSync(path.join(holdDir, 'go'), ''); // had the kill not happened, the run still ends
    }
    const r = await running.done;
    assert.deepEqual(seen, range(20)); // 20-25 were only in the killed worker's buffer
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout + r.stderr, /worker 0 \(pid \d+\) .*while processing event 25/);
    assert.equal(fs.readFileSync(path.join(out, 'out.ndjson'), 'utf8'), serial);
  });
});
