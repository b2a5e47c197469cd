// Corrupt inputs through the cowloop command: a cut-off NDJSON line, invalid UTF-8, a CSV
// row with the wrong number of fields, a missing file. The error names file and line;
// EventSelector.OnBadRecord = "skip" skips the bad record, counts it, and keeps the rest
// identical in serial and multi-process runs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { noWorkersLeft, taggedEnv } from './fixtures/faults/helpers.mjs';
import { root, bin } from './helpers/root.mjs';
import { suiteDir } from './helpers/tmp.mjs';

const job = path.join(root, 'test', 'fixtures', 'faults', 'copy.opts');
const tmp = suiteDir('cowloop-faults-input-');

const good = (n) => Array.from({ length: n }, (_, i) => `{"x":${i}}\n`).join('');

/** Each corrupt input: its bytes, the bad event, and the file:line(:column) the error must name. */
const cases = {
  'cut-off last line': { file: 'cut.ndjson', bytes: () => good(30) + '{"x":3', bad: 30, where: ':31:', detail: /not valid JSON.*was the file cut short/ },
  'cut-off line in the middle': { file: 'mid.ndjson', bytes: () => good(30).replace('{"x":12}\n', '{"x":\n'), bad: 12, where: ':13:', detail: /not valid JSON/ },
  'invalid UTF-8': {
    file: 'utf8.ndjson',
    bytes: () => Buffer.concat([Buffer.from(good(7)), Buffer.from('{"x":"ab'), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n'), Buffer.from(good(20))]),
    bad: 7,
    where: ':8:9:',
    detail: /not valid UTF-8/,
  },
  'CSV row with a field too many': {
    file: 'rows.csv',
    bytes: () => 'x,y\n' + Array.from({ length: 30 }, (_, i) => (i === 17 ? `${i},1,2\n` : `${i},1\n`)).join(''),
    bad: 17,
    where: ':19:',
    detail: /record 17 has 3 fields, the header .* has 2/,
  },
  'CSV row with a field missing': {
    file: 'short.csv',
    bytes: () => 'x,y\n' + Array.from({ length: 30 }, (_, i) => (i === 4 ? `${i}\n` : `${i},1\n`)).join(''),
    bad: 4,
    where: ':6:',
    detail: /record 4 has 1 field, the header .* has 2/,
  },
};

before(() => {
  for (const c of Object.values(cases)) fs.writeFileSync(path.join(tmp, c.file), c.bytes());
});

after(() => {
  noWorkersLeft();
});

function run(name, input, args = []) {
  const out = path.join(tmp, name);
  const summary = path.join(out, 'summary.json');
  fs.mkdirSync(out, { recursive: true });
  const r = spawnSync(
    process.execPath,
    [bin, 'run', job, '--out', out, '--summary', summary, '--set', `EventSelector.Input=${JSON.stringify([input])}`, ...args],
    { encoding: 'utf8', timeout: 60000, env: taggedEnv() },
  );
  const text = r.stdout + r.stderr;
  const records = () => fs.readFileSync(path.join(out, 'out.ndjson'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
  return { ...r, out, text, records, summary: () => JSON.parse(fs.readFileSync(summary, 'utf8')) };
}

for (const [name, c] of Object.entries(cases)) {
  test(`${name}: the job fails naming file:line, serially and with 2 workers`, () => {
    const input = path.join(tmp, c.file);
    for (const workers of ['0', '2']) {
      const r = run(`fail-${c.file}-${workers}`, input, ['--workers', workers]);
      assert.notEqual(r.status, 0, `w=${workers}: ${r.text}`);
      assert.ok(r.text.includes(`${input}${c.where}`), `w=${workers}: no ${input}${c.where} in:\n${r.text}`);
      assert.match(r.text, c.detail);
      // The same outcome either way: an input error (exit 3); from a worker, its failure quoting the reader's error.
      assert.equal(r.status, 3, `w=${workers}: ${r.text}`);
      assert.match(r.text, workers === '0' ? /ERR_COWLOOP_IO_BAD_RECORD/ : /worker \d \(pid \d+\) failed: .*ERR_COWLOOP_IO_BAD_RECORD/);
    }
  });

  test(`${name}: OnBadRecord = "skip" drops that record only and counts it, serially and with 2 workers`, () => {
    const input = path.join(tmp, c.file);
    const results = ['0', '2'].map((workers) => {
      const r = run(`skip-${c.file}-${workers}`, input, ['--workers', workers, '--set', 'EventSelector.OnBadRecord="skip"']);
      assert.equal(r.status, 0, `w=${workers}: ${r.text}`);
      assert.match(r.text, /1 bad input record was skipped \(EventSelector.OnBadRecord = "skip"\)/);
      assert.deepEqual(r.summary().skippedRecords, [c.bad]);
      const events = r.records().map((rec) => rec.event);
      assert.equal(events.includes(c.bad), false);
      assert.equal(new Set(events).size, events.length);
      return r;
    });
    const serial = results[0];
    assert.ok(serial.text.includes(`${input}${c.where}`), `the skipped record is named: ${serial.text}`);
    assert.deepEqual(results[1].records(), serial.records(), 'the multi-process output equals the serial one');
    assert.equal(serial.records().length, serial.summary().processed);
  });
}

test('a missing input file: the error names it and says what to check', () => {
  const missing = path.join(tmp, 'nope', 'missing.ndjson');
  for (const workers of ['0', '2']) {
    const r = run(`missing-${workers}`, missing, ['--workers', workers]);
    assert.notEqual(r.status, 0);
    assert.ok(r.text.includes(`cannot open input ${missing}: ENOENT`), r.text);
    assert.match(r.text, /check EventSelector.Input/);
  }
});

test('several bad records across files, skipped in a multi-process run with a one count', () => {
  const a = path.join(tmp, 'mid.ndjson');
  const b = path.join(tmp, 'utf8.ndjson');
  const out = path.join(tmp, 'multi');
  const r = spawnSync(
    process.execPath,
    [bin, 'run', job, '--out', out, '--summary', path.join(tmp, 'multi.json'), '--workers', '3', '--strategy', 'ranges',
      '--set', `EventSelector.Input=${JSON.stringify([a, b])}`, '--set', 'EventSelector.OnBadRecord="skip"'],
    { encoding: 'utf8', timeout: 60000, env: taggedEnv() },
  );
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const summary = JSON.parse(fs.readFileSync(path.join(tmp, 'multi.json'), 'utf8'));
  // mid.ndjson holds 30 records (12 bad); utf8.ndjson follows at event 30 (7 bad: event 37).
  assert.deepEqual(summary.skippedRecords, [12, 37]);
  assert.equal(summary.processed, 30 + 28 - 2);
  assert.match(r.stdout + r.stderr, /2 bad input records were skipped/);
});
