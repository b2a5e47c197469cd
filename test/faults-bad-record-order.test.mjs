// A bad input record ends the run only after every record before it was processed, in a
// serial run (a read block holding the bad record used to fail whole) and in a
// multi-process one under every strategy (the other workers finish the events before it).
// Counted through the command: --json for the serial count, the workers' event-order files
// (kept when a run fails) for which events the workers processed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test, after } from 'node:test';
import { writeCsv } from './helpers/csv-input.mjs';
import { withDir } from './helpers/tmp.mjs';
import { noWorkersLeft, taggedEnv } from './fixtures/faults/helpers.mjs';
import { root, bin } from './helpers/root.mjs';

const job = path.join(root, 'test', 'fixtures', 'io', 'csv-job', 'job.opts');
const BAD = 1000;
const N = 1500;

after(() => noWorkersLeft());

/** Each input: its file, and the error text naming file and line of record BAD. */
const inputs = {
  NDJSON: (dir) => {
    const file = path.join(dir, 'in.ndjson');
    const lines = Array.from({ length: N }, (_, i) => (i === BAD ? '{"id":1000,"name":' : JSON.stringify({ id: i, name: `n${i}` })));
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    return { file, where: `${file}:${BAD + 1}: record ${BAD} is not valid JSON` };
  },
  CSV: (dir) => {
    const file = path.join(dir, 'in.csv');
    const { lines } = writeCsv(file, N, { bad: BAD });
    return { file, where: `${file}:${lines[BAD]}: record ${BAD} is not valid CSV` };
  },
};

function run(dir, label, input, args) {
  const out = path.join(dir, label);
  const r = spawnSync(process.execPath, [bin, 'run', job, '--out', out, '--json', '--set', `EventSelector.Input=${JSON.stringify([input])}`, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env: taggedEnv(),
  });
  return { ...r, out, summary: JSON.parse(r.stdout) };
}

/** Event numbers the workers recorded as processed (their event-order files, kept on failure). */
function workerEvents(out) {
  // The run's own directory, workers/<run id>/, is kept when the run fails.
  const [runId, ...others] = fs.readdirSync(path.join(out, 'workers'));
  assert.equal(others.length, 0, 'one run, one run directory');
  const root = path.join(out, 'workers', runId);
  const events = [];
  for (const dir of fs.readdirSync(root)) {
    const file = path.join(root, dir, 'event-order.ndjson');
    if (!fs.existsSync(file)) continue;
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) if (line) events.push(JSON.parse(line).event);
  }
  return events;
}

for (const [format, make] of Object.entries(inputs)) {
  test(`${format}: a serial run processes the ${BAD} records before the bad one, then fails naming it`, () => {
    withDir((dir) => {
      const { file, where } = make(dir);
      // Partial outputs are kept on request only: they show which events were processed.
      const r = run(dir, 'serial', file, ['--workers', '0', '--set', 'ApplicationMgr.KeepPartialOutputs=true']);
      assert.notEqual(r.status, 0);
      assert.ok(r.stderr.includes(where), `no "${where}" in:\n${r.stderr}`);
      assert.equal(r.summary.processed, BAD);
      const written = fs.readFileSync(path.join(r.out, 'out.ndjson'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l).event);
      assert.deepEqual(written, Array.from({ length: BAD }, (_, i) => i));
    });
  });

  test(`${format}: with 3 workers, every strategy processes every record before the bad one, then fails naming it`, () => {
    withDir((dir) => {
      const { file, where } = make(dir);
      for (const strategy of ['roundrobin', 'sharedqueue', 'ranges', 'files']) {
        const r = run(dir, strategy, file, ['--workers', '3', '--strategy', strategy, '--set', 'MpEventLoopMgr.EventOrder="event-order.ndjson"']);
        assert.notEqual(r.status, 0, strategy);
        assert.match(r.stderr, /worker \d \(pid \d+\) failed: /);
        assert.ok(r.stderr.includes(where), `${strategy}: no "${where}" in:\n${r.stderr}`);
        const events = workerEvents(r.out);
        const before = new Set(events.filter((e) => e < BAD));
        assert.equal(before.size, BAD, `${strategy}: ${BAD - before.size} records before the bad one were not processed`);
        assert.equal(events.includes(BAD), false);
        assert.equal(r.summary.processed, events.length, `${strategy}: --json counts what the workers did`);
      }
    });
  });
}
