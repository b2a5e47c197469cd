// Writers and mergers: the record format, a k-way merge of per-worker files that is
// byte-identical to one serial writer's file, deduplication, atomic replacement.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Histogram1D, Histogram2D, mergeOutputs, writeHistogramFile } from 'cowloop';
import { RecordWriter, mergeRecordFiles, openRecordSource } from '../dist/cjs/io/index.js';
import { withDir } from './helpers/tmp.mjs';

const ITEMS = ['ntracks', 'label', 'pt', 'flags'];

/** Deterministic per-event values exercising quoting: commas, quotes, line ends, nulls, objects. */
function valuesOf(e) {
  const labels = ['plain', 'with, comma', 'say "hi"', 'two\nlines', ' padded ', ''];
  return [e % 7, labels[e % labels.length], e % 5 === 0 ? null : e / 3, e % 4 === 0 ? { mask: e & 15, tags: ['a', e] } : true];
}

function writeSerial(file, format, events) {
  const w = new RecordWriter(file, format, ITEMS);
  for (const e of events) w.write(e, valuesOf(e));
  w.close();
}

/** Events split round-robin over `n` worker files, each written in its own event order. */
function writeWorkers(dir, base, format, events, n) {
  const files = [];
  for (let w = 0; w < n; w++) {
    const file = path.join(dir, `worker_${w}`, base);
    writeSerial(file, format, events.filter((e) => e % n === w));
    files.push(file);
  }
  return files;
}

const range = (n) => [...Array(n).keys()];

test('NDJSON records: the event number first, then the items in ItemList order', () => {
  withDir((dir) => {
    const file = path.join(dir, 'out.ndjson');
    writeSerial(file, 'ndjson', [0, 1]);
    assert.equal(
      fs.readFileSync(file, 'utf8'),
      '{"event":0,"ntracks":0,"label":"plain","pt":null,"flags":{"mask":0,"tags":["a",0]}}\n' +
        '{"event":1,"ntracks":1,"label":"with, comma","pt":0.3333333333333333,"flags":true}\n',
    );
  });
});

test('CSV records: a header, RFC 4180 quoting, empty for null, JSON for objects; readable back', () => {
  withDir((dir) => {
    const file = path.join(dir, 'out.csv');
    writeSerial(file, 'csv', [0, 2, 3]);
    assert.equal(
      fs.readFileSync(file, 'utf8'),
      'event,ntracks,label,pt,flags\n' +
        '0,0,plain,,"{""mask"":0,""tags"":[""a"",0]}"\n' +
        '2,2,"say ""hi""",0.6666666666666666,true\n' +
        '3,3,"two\nlines",1,true\n',
    );
    const source = openRecordSource([file]);
    try {
      assert.deepEqual([...source.readRange(0, 3)].map((r) => r.data.label), ['plain', 'say "hi"', 'two\nlines']);
    } finally {
      source.close();
    }
  });
});

for (const format of ['ndjson', 'csv']) {
  test(`${format}: round-robin worker files merge byte-identical to the serial file`, () => {
    withDir((dir) => {
      const events = range(1000);
      const serial = path.join(dir, `serial.${format}`);
      writeSerial(serial, format, events);
      const inputs = writeWorkers(dir, `out.${format}`, format, events, 3);
      const merged = path.join(dir, `merged.${format}`);
      const stats = mergeRecordFiles(inputs, merged);
      assert.equal(stats.records, 1000);
      assert.equal(stats.duplicates, 0);
      assert.ok(fs.readFileSync(merged).equals(fs.readFileSync(serial)), 'merged file differs from the serial one');
      for (const f of inputs) assert.ok(fs.existsSync(f), 'inputs are kept by default');
    });
  });

  test(`${format}: uneven chunks, an empty worker and a worker that ran events out of order`, () => {
    withDir((dir) => {
      const events = range(300);
      const serial = path.join(dir, `serial.${format}`);
      writeSerial(serial, format, events);
      const a = path.join(dir, `a.${format}`);
      const b = path.join(dir, `b.${format}`);
      const c = path.join(dir, `c.${format}`);
      writeSerial(a, format, [...range(100), ...range(50).map((i) => 250 + i)]);
      writeSerial(b, format, [...range(100).map((i) => 200 + i).slice(0, 50), ...range(100).map((i) => 100 + i)]);
      writeSerial(c, format, []);
      const merged = path.join(dir, `merged.${format}`);
      mergeRecordFiles([c, b, a], merged);
      assert.ok(fs.readFileSync(merged).equals(fs.readFileSync(serial)));
    });
  });

  test(`${format}: an event written by two workers (re-run after a crash) is kept once`, () => {
    withDir((dir) => {
      const events = range(60);
      const serial = path.join(dir, `serial.${format}`);
      writeSerial(serial, format, events);
      const inputs = writeWorkers(dir, `out.${format}`, format, events, 2);
      // The replacement worker re-ran events 10..19, some of which the dead one had written.
      const rerun = path.join(dir, 'worker_2', `out.${format}`);
      writeSerial(rerun, format, range(10).map((i) => 10 + i));
      // A worker killed while writing leaves a record without its line end.
      fs.appendFileSync(inputs[0], format === 'csv' ? '58,1,"half' : '{"event":58,"ntr');
      const merged = path.join(dir, `merged.${format}`);
      const stats = mergeRecordFiles([...inputs, rerun], merged);
      assert.equal(stats.records, 60);
      assert.equal(stats.duplicates, 10);
      assert.equal(stats.conflicts, 0);
      assert.equal(stats.truncated, 1);
      assert.ok(fs.readFileSync(merged).equals(fs.readFileSync(serial)));
    });
  });
}

test('overlapping runs: the first input\'s copy of an event is kept, and a copy that differs is counted as a conflict', () => {
  withDir((dir) => {
    const a = path.join(dir, 'a.ndjson');
    const b = path.join(dir, 'b.ndjson');
    writeSerial(a, 'ndjson', range(100));
    // b re-ran 50..149; its event 70 came out different.
    const w = new RecordWriter(b, 'ndjson', ITEMS);
    for (const e of range(100).map((i) => 50 + i)) w.write(e, e === 70 ? ['changed', '', 0, false] : valuesOf(e));
    w.close();
    const serial = path.join(dir, 'serial.ndjson');
    writeSerial(serial, 'ndjson', range(150));
    const merged = path.join(dir, 'merged.ndjson');
    const stats = mergeRecordFiles([a, b], merged);
    assert.deepEqual([stats.records, stats.duplicates, stats.conflicts], [150, 50, 1]);
    assert.ok(fs.readFileSync(merged).equals(fs.readFileSync(serial)));
  });
});

test('a failed merge leaves no partial file, keeps the inputs and the old destination', () => {
  withDir((dir) => {
    const good = path.join(dir, 'good.ndjson');
    writeSerial(good, 'ndjson', range(5000));
    const bad = path.join(dir, 'bad.ndjson');
    fs.writeFileSync(bad, '{"event":1,"x":1}\n{"x":2}\n');
    const merged = path.join(dir, 'merged.ndjson');
    fs.writeFileSync(merged, 'previous contents\n');
    assert.throws(
      () => mergeRecordFiles([good, bad], merged, { removeInputs: true }),
      (e) => e.code === 'ERR_COWLOOP_IO_MERGE' && /bad\.ndjson:2: .*event number/.test(e.message) && /inputs are kept/.test(e.message),
    );
    assert.equal(fs.readFileSync(merged, 'utf8'), 'previous contents\n');
    assert.ok(fs.existsSync(good) && fs.existsSync(bad));
    assert.deepEqual(fs.readdirSync(dir).sort(), ['bad.ndjson', 'good.ndjson', 'merged.ndjson'], 'no temporary file left');
  });
});

test('CSV inputs with different headers are refused; removeInputs deletes inputs only after success', () => {
  withDir((dir) => {
    const a = path.join(dir, 'a.csv');
    const b = path.join(dir, 'b.csv');
    fs.writeFileSync(a, 'event,x\n0,1\n');
    fs.writeFileSync(b, 'event,y\n1,2\n');
    assert.throws(() => mergeOutputs([a, b], path.join(dir, 'm.csv')), /CSV headers differ/);
    fs.writeFileSync(b, 'event,x\n1,2\n');
    const out = path.join(dir, 'm.csv');
    mergeOutputs([a, b], out, { removeInputs: true });
    assert.equal(fs.readFileSync(out, 'utf8'), 'event,x\n0,1\n1,2\n');
    assert.deepEqual(fs.readdirSync(dir), ['m.csv']);
  });
});

test('histogram files from split fills add up to the file one serial fill writes; other bookings are refused', () => {
  withDir((dir) => {
    const book = () => [new Histogram1D('reco/pt', 'pt', 10, 0, 5), new Histogram2D('reco/xy', 'xy', 4, 0, 4, 3, 0, 3)];
    const fillEvent = ([h1, h2], e) => {
      h1.fill((e % 13) * 0.4);
      h2.fill(e % 5, e % 4, 1 + (e % 3));
    };
    const serial = book();
    const parts = [book(), book(), book()];
    for (let e = 0; e < 500; e++) {
      fillEvent(serial, e);
      fillEvent(parts[e % 3], e);
    }
    const serialFile = path.join(dir, 'serial.json');
    writeHistogramFile(serialFile, serial);
    const inputs = parts.map((p, i) => {
      const f = path.join(dir, `w${i}`, 'hist.json');
      writeHistogramFile(f, p);
      return f;
    });
    const out = path.join(dir, 'hist.json');
    const stats = mergeOutputs(inputs, out);
    assert.equal(stats.records, 2, 'two histograms');
    assert.ok(fs.readFileSync(out).equals(fs.readFileSync(serialFile)), 'merged histograms differ from the serial ones');

    const other = path.join(dir, 'other.json');
    writeHistogramFile(other, [new Histogram1D('reco/pt', 'pt', 20, 0, 5)]);
    assert.throws(() => mergeOutputs([inputs[0], other], path.join(dir, 'bad.json')), (e) => e.code === 'ERR_COWLOOP_IO_MERGE' && /inputs are kept/.test(e.message));
    assert.ok(!fs.existsSync(path.join(dir, 'bad.json')));
  });
});
