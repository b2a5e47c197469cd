// The byte-offset index: built in one pass, random access and strided reads use it to go
// straight to an event, and re-opened sources use their own descriptors.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { buildRecordIndex, openRecordSource } from '../dist/cjs/io/index.js';
import { withDir } from './helpers/tmp.mjs';

function writeNdjson(file, n) {
  const lines = [];
  for (let i = 0; i < n; i++) lines.push(JSON.stringify({ i, pad: 'p'.repeat(i % 50) }));
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return lines;
}

test('the index holds the byte offset and line of every record', () => {
  withDir((dir) => {
    const file = path.join(dir, 'a.ndjson');
    const lines = writeNdjson(file, 1000);
    const index = buildRecordIndex(file, 'ndjson');
    assert.equal(index.count, 1000);
    let offset = 0;
    for (let k = 0; k < 1000; k++) {
      assert.equal(index.starts[k], offset);
      assert.equal(index.lines[k], k + 1);
      offset += Buffer.byteLength(lines[k]) + 1;
    }
    assert.equal(index.starts[1000], offset);
    assert.equal(index.unterminatedTail, false);
    const csv = path.join(dir, 'h.csv');
    fs.writeFileSync(csv, 'a,b\n1,"x\ny"\n2,z\n');
    const ci = buildRecordIndex(csv, 'csv');
    assert.equal(ci.count, 2);
    assert.equal(ci.header.toString(), 'a,b\n');
    assert.deepEqual([...ci.starts], [4, 12, 16]);
    assert.deepEqual([...ci.lines], [2, 4]);
  });
});

test('read(n) seeks to any event; readRange and readStrided give the chosen events only', () => {
  withDir((dir) => {
    const file = path.join(dir, 'a.ndjson');
    writeNdjson(file, 5000);
    const source = openRecordSource([file]);
    try {
      for (const n of [4999, 0, 2500, 17]) assert.equal(source.read(n).data.i, n);
      // One by one in order (read-ahead), and backwards.
      for (let n = 0; n < 5000; n++) assert.equal(source.read(n).data.i, n);
      for (let n = 4999; n >= 0; n -= 7) assert.equal(source.read(n).data.i, n);
      assert.deepEqual([...source.readRange(1234, 5)].map((r) => r.data.i), [1234, 1235, 1236, 1237, 1238]);
      assert.equal([...source.readRange(4998, 10)].length, 2, 'clipped at the end');
      // Round-robin: worker 2 of 3 reads events with number % 3 == 2.
      const mine = [...source.readStrided(2, 3)].map((r) => r.event);
      assert.equal(mine.length, Math.floor((5000 - 2 + 2) / 3));
      assert.ok(mine.every((e, i) => e === 2 + 3 * i));
      assert.throws(() => source.read(5000), /out of range/);
    } finally {
      source.close();
    }
  });
});

test('strided reads across several files keep the global event numbering', () => {
  withDir((dir) => {
    const a = path.join(dir, 'a.ndjson');
    const b = path.join(dir, 'b.ndjson');
    writeNdjson(a, 10);
    writeNdjson(b, 7);
    const source = openRecordSource([a, b]);
    try {
      const got = [...source.readStrided(1, 4)].map((r) => [r.event, path.basename(r.file), r.data.i]);
      assert.deepEqual(got, [[1, 'a.ndjson', 1], [5, 'a.ndjson', 5], [9, 'a.ndjson', 9], [13, 'b.ndjson', 3]]);
      assert.deepEqual([...source.readStrided(8, 1, 4)].map((r) => r.event), [8, 9, 10, 11]);
      assert.deepEqual([9, 10, 16, 0].map((n) => [source.read(n).data.i, source.read(n).line, path.basename(source.read(n).file)]), [
        [9, 10, 'a.ndjson'],
        [0, 1, 'b.ndjson'],
        [6, 7, 'b.ndjson'],
        [0, 1, 'a.ndjson'],
      ]);
    } finally {
      source.close();
    }
  });
});

test('reopen() takes a new descriptor and reading does not depend on any file offset', () => {
  withDir((dir) => {
    const file = path.join(dir, 'a.ndjson');
    writeNdjson(file, 100);
    const source = openRecordSource([file]);
    try {
      const target = fs.realpathSync(file);
      const fdsOnFile = () =>
        fs.readdirSync('/proc/self/fd').filter((fd) => {
          try {
            return fs.readlinkSync(`/proc/self/fd/${fd}`) === target;
          } catch {
            return false;
          }
        });
      const before = fdsOnFile();
      assert.equal(before.length, 1);
      source.reopen();
      const opened = fdsOnFile();
      assert.equal(opened.length, 1, 'the old descriptor is closed, one new one is open');
      assert.notEqual(opened[0], before[0]);
      // A new open file description: its offset is its own (0), whatever the old one's was.
      assert.equal(fs.readFileSync(`/proc/self/fdinfo/${opened[0]}`, 'utf8').match(/pos:\s*(\d+)/)[1], '0');
      // Moving the descriptor's offset (as a sibling sharing it would) changes nothing.
      fs.readSync(Number(opened[0]), Buffer.alloc(500), 0, 500, null);
      assert.equal(source.read(50).data.i, 50);
      assert.deepEqual([...source.readRange(0, 3)].map((r) => r.data.i), [0, 1, 2]);
    } finally {
      source.close();
    }
  });
});

test('an input that shrank after indexing is refused at reopen', () => {
  withDir((dir) => {
    const file = path.join(dir, 'a.ndjson');
    writeNdjson(file, 100);
    const source = openRecordSource([file]);
    try {
      fs.truncateSync(file, 10);
      assert.throws(() => source.reopen(), (e) => e.code === 'ERR_COWLOOP_IO_INPUT' && /shrank/.test(e.message));
    } finally {
      source.close();
    }
  });
});
