// `cowloop merge` as a real process: merged output, statistics, exit codes on errors.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Histogram1D, writeHistogramFile } from 'cowloop';
import { bin } from './helpers/root.mjs';
import { withDir } from './helpers/tmp.mjs';

function cowloop(args, cwd) {
  return spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', timeout: 60000 });
}

test('cowloop merge writes the event-ordered file and reports duplicates', () => {
  withDir((dir) => {
    fs.writeFileSync(path.join(dir, 'w0.ndjson'), '{"event":0,"x":"a"}\n{"event":2,"x":"c"}\n{"event":3,"x":"d"}\n');
    fs.writeFileSync(path.join(dir, 'w1.ndjson'), '{"event":1,"x":"b"}\n{"event":3,"x":"d"}\n');
    const r = cowloop(['merge', 'w0.ndjson', 'w1.ndjson', '-o', 'out/all.ndjson', '--json'], dir);
    assert.equal(r.status, 0, r.stderr);
    const stats = JSON.parse(r.stdout);
    assert.equal(stats.records, 4);
    assert.equal(stats.duplicates, 1);
    assert.equal(
      fs.readFileSync(path.join(dir, 'out', 'all.ndjson'), 'utf8'),
      '{"event":0,"x":"a"}\n{"event":1,"x":"b"}\n{"event":2,"x":"c"}\n{"event":3,"x":"d"}\n',
    );
    const plain = cowloop(['merge', 'w0.ndjson', 'w1.ndjson', '-o', 'again.ndjson'], dir);
    assert.equal(plain.status, 0, plain.stderr);
    assert.match(plain.stdout, /merged 2 files into .*again\.ndjson: 4 records; 1 duplicate dropped/);
  });
});

test('cowloop merge fails with a clear message and leaves nothing behind', () => {
  withDir((dir) => {
    fs.writeFileSync(path.join(dir, 'w0.csv'), 'event,x\n0,a\n');
    const missing = cowloop(['merge', 'w0.csv', 'nope.csv', '-o', 'all.csv'], dir);
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /nope\.csv/);
    const format = cowloop(['merge', 'w0.csv', '-o', 'all.txt'], dir);
    assert.notEqual(format.status, 0);
    assert.match(format.stderr, /all\.txt/);
    const usage = cowloop(['merge', 'w0.csv'], dir);
    assert.equal(usage.status, 2, 'no -o is a usage error');
    assert.deepEqual(fs.readdirSync(dir), ['w0.csv']);
  });
});

test('cowloop merge adds histogram files', () => {
  withDir((dir) => {
    for (const [name, xs] of [['a.json', [0.5, 1.5]], ['b.json', [1.5, 2.5, 9]]]) {
      const h = new Histogram1D('n', 'n', 3, 0, 3);
      for (const x of xs) h.fill(x);
      writeHistogramFile(path.join(dir, name), [h]);
    }
    const r = cowloop(['merge', 'a.json', 'b.json', '-o', 'sum.json'], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /into .*sum\.json: 1 histogram$/m);
    const sum = JSON.parse(fs.readFileSync(path.join(dir, 'sum.json'), 'utf8')).histograms[0];
    assert.equal(sum.entries, 5);
    assert.deepEqual(sum.sumw, [0, 1, 2, 1, 1], 'underflow, 3 bins, overflow');
  });
});
