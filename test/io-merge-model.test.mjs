// The NDJSON merge against a model of what it must write, on generated inputs: worker-shaped
// files (which the merge streams) and every kind it must take the indexed way (blank lines,
// CRLF, an input out of order, events found twice, a cut-off last record), with inputs
// larger than the merge's read chunk and a record larger than it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { mergeOutputs } from 'cowloop';
import { withDir } from './helpers/tmp.mjs';
import { random } from './helpers/random.mjs';

/**
 * The merge's contract: records (a line with the blank lines after it) ordered by event
 * number, then input, then place in the input; of an event found again only the first copy
 * is kept, and a copy that differs from it (line ends aside) is a conflict. Blank lines
 * before an input's first record and a last record with no line end are dropped.
 */
function model(inputs) {
  const all = [];
  let truncated = 0;
  inputs.forEach(({ records, tail }, rank) => {
    records.forEach((r, place) => all.push({ ...r, rank, place }));
    if (tail) truncated++;
  });
  all.sort((a, b) => a.event - b.event || a.rank - b.rank || a.place - b.place);
  let text = '';
  let records = 0;
  let duplicates = 0;
  let conflicts = 0;
  let kept = null;
  const trim = (s) => s.replace(/[\r\n]+$/, '');
  for (const r of all) {
    if (kept && kept.event === r.event) {
      duplicates++;
      if (trim(kept.text) !== trim(r.text)) conflicts++;
      continue;
    }
    kept = r;
    text += r.text;
    records++;
  }
  return { text, records, duplicates, conflicts, truncated };
}

/** Inputs as `workers` workers of the shared queue leave them, `chunk` events a turn. */
function workerInputs(rnd, { workers, events, chunk, payload = 40 }) {
  const inputs = Array.from({ length: workers }, () => ({ records: [], head: '', tail: '' }));
  for (let e = 0; e < events; e++) {
    const w = Math.floor(e / chunk) % workers;
    const pad = 'x'.repeat(Math.floor(rnd() * payload));
    inputs[w].records.push({ event: e, text: `{"event":${e},"v":${Math.floor(rnd() * 1000)},"s":"${pad}"}\n` });
  }
  return inputs;
}

function write(dir, inputs) {
  return inputs.map((input, i) => {
    const file = path.join(dir, `w${i}.ndjson`);
    fs.writeFileSync(file, input.head + input.records.map((r) => r.text).join('') + input.tail);
    return file;
  });
}

/** Merges `inputs` written to files and compares with the model; `method` is the way the merge must have taken. */
function check(inputs, what, method) {
  withDir((dir) => {
    const files = write(dir, inputs);
    const out = path.join(dir, 'merged.ndjson');
    const stats = mergeOutputs(files, out);
    const want = model(inputs);
    const got = fs.readFileSync(out, 'latin1');
    assert.equal(got.length, want.text.length, `${what}: merged size`);
    assert.ok(got === want.text, `${what}: merged bytes differ from the model's`);
    assert.deepEqual(
      { records: stats.records, duplicates: stats.duplicates, conflicts: stats.conflicts, truncated: stats.truncated },
      { records: want.records, duplicates: want.duplicates, conflicts: want.conflicts, truncated: want.truncated },
      what,
    );
    assert.equal(stats.method, method, `${what}: merged the ${method} way`);
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.includes('.partial-')), [], `${what}: no partial file left`);
  });
}

test('worker-shaped inputs larger than a read chunk merge to the model, records straddling chunk ends', () => {
  const rnd = random(1);
  // About 3.5 MB per input: each input is read in more than one chunk.
  check(workerInputs(rnd, { workers: 3, events: 120000, chunk: 100 }), '3 workers, chunks of 100', 'streamed');
  check(workerInputs(rnd, { workers: 5, events: 20000, chunk: 1 }), '5 workers, one event a turn', 'streamed');
  const empty = workerInputs(rnd, { workers: 4, events: 5000, chunk: 7 });
  empty.push({ records: [], head: '', tail: '' });
  check(empty, 'an empty input', 'streamed');
});

test('a record longer than the read chunk, between short ones', () => {
  const rnd = random(2);
  const inputs = workerInputs(rnd, { workers: 2, events: 400, chunk: 10 });
  const big = inputs[1].records[5];
  big.text = `{"event":${big.event},"blob":"${'b'.repeat(5 << 20)}"}\n`;
  check(inputs, 'a 5 MB record', 'streamed');
});

test('events found twice, with and without differences, across inputs and within one', () => {
  for (let seed = 10; seed < 16; seed++) {
    const rnd = random(seed);
    const inputs = workerInputs(rnd, { workers: 3, events: 100000, chunk: 50 });
    // Events re-run by another worker, in their place among its own (each input still in
    // event order): some copies differ, some differ only in the line end.
    const from = inputs[seed % 3].records;
    const into = inputs[(seed + 1) % 3];
    const copies = from.filter(() => rnd() < 0.02).map((r) => {
      const roll = rnd();
      return { event: r.event, text: roll < 0.3 ? r.text.replace('"v":', '"v":1') : roll < 0.6 ? r.text.replace('\n', '\r\n') : r.text };
    });
    into.records = [...into.records, ...copies].sort((a, b) => a.event - b.event);
    // The same event twice in a row within one input.
    const at = 1 + Math.floor(rnd() * (from.length - 2));
    from.splice(at, 0, { ...from[at] });
    check(inputs, `seed ${seed}, in order`, 'streamed');
    // The re-run events after the worker's own: that input goes out of order.
    into.records = [...into.records.filter((r) => !copies.includes(r)), ...copies];
    check(inputs, `seed ${seed}, re-runs last`, 'indexed');
  }
});

test('blank lines, CRLF, an input out of order, cut-off last records', () => {
  const rnd = random(3);
  const blank = workerInputs(rnd, { workers: 3, events: 4000, chunk: 25 });
  blank[0].head = '\n\r\n';
  check(blank, 'blank lines before the first record', 'indexed');
  blank[0].head = '';
  blank[1].records[17].text += '\n\r\n';
  check(blank, 'blank lines after a record', 'indexed');
  const crlf = workerInputs(rnd, { workers: 2, events: 4000, chunk: 25 });
  for (const r of crlf[1].records) r.text = r.text.replace('\n', '\r\n');
  check(crlf, 'CRLF line ends', 'streamed');
  const shuffled = workerInputs(rnd, { workers: 3, events: 4000, chunk: 25 });
  const recs = shuffled[2].records;
  for (let i = recs.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [recs[i], recs[j]] = [recs[j], recs[i]];
  }
  check(shuffled, 'an input out of order', 'indexed');
  const cut = workerInputs(rnd, { workers: 3, events: 4000, chunk: 25 });
  cut[1].tail = '{"event":99999,"half';
  cut[2].tail = '{"eve';
  check(cut, 'cut-off last records', 'streamed');
  const late = workerInputs(rnd, { workers: 2, events: 200000, chunk: 100 });
  late[0].records.push({ event: 3, text: '{"event":3,"late":true}\n' });
  check(late, 'an event going down after the first read chunk', 'indexed');
});

test('a record without a leading event number is refused with its file and line, and nothing is written', () => {
  withDir((dir) => {
    const rnd = random(4);
    const inputs = workerInputs(rnd, { workers: 2, events: 100, chunk: 10 });
    inputs[1].records[7].text = '{"x":1}\n';
    const files = write(dir, inputs);
    assert.throws(() => mergeOutputs(files, path.join(dir, 'merged.ndjson')), (error) => {
      assert.equal(error.code, 'ERR_COWLOOP_IO_MERGE');
      assert.match(error.message, /w1\.ndjson:8: record does not start with its event number/);
      return true;
    });
    assert.deepEqual(fs.readdirSync(dir).sort(), ['w0.ndjson', 'w1.ndjson']);
  });
});
