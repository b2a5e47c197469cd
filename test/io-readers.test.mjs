// Readers: NDJSON and CSV files, several files as one sequence, generators, errors that
// name file and line.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { registerEventGenerator, CowloopError } from 'cowloop';
import { openRecordSource } from '../dist/cjs/io/index.js';
import { root } from './helpers/root.mjs';
import { withDir } from './helpers/tmp.mjs';

const fixtures = path.join(root, 'test', 'fixtures', 'io');
const fixture = (name) => path.join(fixtures, name);

function all(source) {
  return [...source.readRange(0, Infinity)];
}

test('NDJSON: one object per line, blank lines skipped, 0-based event numbers and source lines', () => {
  const source = openRecordSource([fixture('events.ndjson')]);
  try {
    const records = all(source);
    assert.equal(source.size, 4);
    assert.deepEqual(records.map((r) => r.event), [0, 1, 2, 3]);
    assert.deepEqual(records.map((r) => r.line), [1, 2, 4, 5]);
    assert.deepEqual(records[2].data, { hits: [4], energy: 2.25, run: 7 });
  } finally {
    source.close();
  }
});

test('CSV: header names the fields, quoted fields keep commas, quotes and line ends, JSON-syntax numbers are cast', () => {
  const source = openRecordSource([fixture('events.csv')]);
  try {
    const records = all(source);
    assert.equal(records.length, 4);
    assert.deepEqual(records[1].data, { id: 1, name: 'beta, the second', energy: 2 });
    assert.deepEqual(records[2].data, { id: 2, name: 'multi\nline "quoted"', energy: 3.25 });
    assert.deepEqual(records[3].data, { id: 3, name: '007', energy: -400 }, '"007" is not JSON number syntax');
    assert.deepEqual(records.map((r) => r.line), [2, 3, 4, 6]);
  } finally {
    source.close();
  }
});

test('CSV with CRLF line ends and a blank line', () => {
  const source = openRecordSource([fixture('crlf.csv')]);
  try {
    assert.deepEqual(all(source).map((r) => r.data), [
      { id: 0, name: 'a', energy: 1 },
      { id: 1, name: 'b', energy: 2 },
      { id: 2, name: 'c', energy: 3 },
    ]);
  } finally {
    source.close();
  }
});

function assertBadRecord(fn, pattern) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof CowloopError, `expected a CowloopError, got ${e}`);
    assert.equal(e.code, 'ERR_COWLOOP_IO_BAD_RECORD');
    assert.match(e.message, pattern);
    return true;
  });
}

test('a broken JSON line is reported with its file and line', () => {
  const source = openRecordSource([fixture('corrupt-middle.ndjson')]);
  try {
    assert.deepEqual(source.read(1).data, { a: 2 }, 'records before the bad one read fine');
    assertBadRecord(() => all(source), /corrupt-middle\.ndjson:3: record 2 is not valid JSON/);
  } finally {
    source.close();
  }
});

test('a truncated last JSON line is reported as cut short', () => {
  const source = openRecordSource([fixture('truncated.ndjson')]);
  try {
    assertBadRecord(() => source.read(2), /truncated\.ndjson:3: .*cut short/);
  } finally {
    source.close();
  }
});

test('a CSV record with the wrong number of fields names file, line and both counts', () => {
  const source = openRecordSource([fixture('wrong-fields.csv')]);
  try {
    assertBadRecord(() => all(source), /wrong-fields\.csv:3: record 1 has 2 fields, the header .* has 3/);
  } finally {
    source.close();
  }
});

test('several files read as one sequence, with per-file event ranges', () => {
  const source = openRecordSource([fixture('events.ndjson'), fixture('crlf.csv'), fixture('events.ndjson')]);
  try {
    assert.equal(source.size, 11);
    assert.deepEqual(
      source.files.map((f) => [path.basename(f.path), f.first, f.count]),
      [['events.ndjson', 0, 4], ['crlf.csv', 4, 3], ['events.ndjson', 7, 4]],
    );
    const records = all(source);
    assert.deepEqual(records.map((r) => r.event), [...Array(11).keys()]);
    assert.deepEqual(records[5].data, { id: 1, name: 'b', energy: 2 });
    assert.equal(path.basename(records[5].file), 'crlf.csv');
    assert.deepEqual(records[8].data, records[1].data);
  } finally {
    source.close();
  }
});

test('a missing input names the file and the property to fix', () => {
  assert.throws(
    () => openRecordSource(['/nonexistent/hits.ndjson']),
    (e) => e.code === 'ERR_COWLOOP_IO_INPUT' && /\/nonexistent\/hits\.ndjson/.test(e.message),
  );
  assert.throws(() => openRecordSource(['data.txt']), (e) => e.code === 'ERR_COWLOOP_IO_FORMAT' && /data\.txt/.test(e.message));
});

test('generator inputs: deterministic events from their number, named generators', () => {
  const a = openRecordSource(['generator:5']);
  const b = openRecordSource(['generator:5']);
  assert.equal(a.size, 5);
  assert.deepEqual(all(a), all(b));
  assert.deepEqual([...a.readStrided(1, 2)].map((r) => r.event), [1, 3]);
  assert.notDeepEqual(a.read(0).data, a.read(1).data);
  registerEventGenerator('squares', (n) => ({ n, sq: n * n }));
  const sq = openRecordSource(['generator:squares:4']);
  assert.deepEqual(all(sq).map((r) => r.data.sq), [0, 1, 4, 9]);
  assert.throws(() => openRecordSource(['generator:nope:3']), /no event generator named "nope"/);
  assert.throws(() => openRecordSource(['generator:x']), /generator:<N>/);
});

test('large files cross block boundaries without losing or splitting records', () => {
  withDir((dir) => {
    const file = path.join(dir, 'big.csv');
    const rows = ['n,text'];
    // Quoted fields with line ends land on block boundaries somewhere in 3 MB.
    for (let i = 0; i < 30000; i++) rows.push(`${i},"row ${i}\n${'x'.repeat(i % 200)}"`);
    fs.writeFileSync(file, `${rows.join('\n')}\n`);
    const source = openRecordSource([file]);
    try {
      assert.equal(source.size, 30000);
      let expected = 0;
      for (const r of source.readRange(0, Infinity)) {
        assert.equal(r.data.n, expected);
        assert.equal(r.data.text, `row ${expected}\n${'x'.repeat(expected % 200)}`);
        expected++;
      }
      assert.equal(expected, 30000);
    } finally {
      source.close();
    }
  });
});

test('CSV: csvNumbers false keeps every field a string', () => {
  const source = openRecordSource([fixture('crlf.csv')], { csvNumbers: false });
  try {
    assert.deepEqual(source.read(0).data, { id: '0', name: 'a', energy: '1' });
  } finally {
    source.close();
  }
});

test('reads reuse their buffers: records from interleaved read(), readRange() and readStrided() stay whole and unchanged', () => {
  withDir((dir) => {
    // NDJSON and CSV, records from a few bytes to 300 KiB: the reused buffers grow across block sizes.
    const size = (i) => (i % 97 === 0 ? 300_000 : (i * 37) % 900);
    const text = (i) => `r${i}:${String.fromCharCode(97 + (i % 26)).repeat(size(i))}`;
    const count = 3000;
    const ndjson = path.join(dir, 'mixed.ndjson');
    fs.writeFileSync(ndjson, Array.from({ length: count }, (_, i) => JSON.stringify({ n: i, text: text(i) })).join('\n') + '\n');
    const csv = path.join(dir, 'mixed.csv');
    fs.writeFileSync(csv, ['n,text', ...Array.from({ length: count }, (_, i) => `${i},"${text(i)}"`)].join('\n') + '\n');
    for (const file of [ndjson, csv]) {
      const source = openRecordSource([file]);
      try {
        const kept = [];
        const whole = source.readRange(0, Infinity);
        const odd = source.readStrided(1, 7);
        for (let step = 0; step < count; step++) {
          const a = whole.next();
          if (!a.done) kept.push(a.value);
          const b = step % 3 === 0 ? odd.next() : { done: true };
          if (!b.done) kept.push(b.value);
          // Reads one by one in order (served from read()'s read-ahead block), and one far away.
          kept.push(source.read(step));
          if (step % 5 === 0) kept.push(source.read((step * 7919) % count));
        }
        for (const r of kept) {
          assert.equal(r.data.n, r.event, `${path.basename(file)}: record ${r.event}`);
          assert.equal(r.data.text, text(r.event), `${path.basename(file)}: text of record ${r.event}`);
        }
        assert.ok(kept.length >= 2 * count, `${kept.length} records checked`);
      } finally {
        source.close();
      }
    }
  });
});
