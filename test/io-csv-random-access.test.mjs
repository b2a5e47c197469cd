// Random and strided access to CSV inputs: any record read alone (through the byte-offset
// index csv-parse built) reads as it does in a serial pass, with quoted line ends, a header,
// CRLF, blank lines and a last line without a line end; and a multi-process run of the
// command writes the serial run's output under every strategy.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test, after } from 'node:test';
import { openRecordSource } from '../dist/cjs/io/index.js';
import { writeCsv } from './helpers/csv-input.mjs';
import { withDir } from './helpers/tmp.mjs';
import { noWorkersLeft, taggedEnv } from './fixtures/faults/helpers.mjs';
import { root, bin } from './helpers/root.mjs';

const job = path.join(root, 'test', 'fixtures', 'io', 'csv-job', 'job.opts');

after(() => noWorkersLeft());

const variants = {
  'LF line ends': { eol: '\n' },
  'CRLF line ends': { eol: '\r\n' },
  'no line end after the last record': { eol: '\n', lastEol: false },
  'CRLF, no line end after the last record': { eol: '\r\n', lastEol: false },
};

/** A deterministic shuffle of 0..n-1. */
function shuffled(n) {
  const order = Array.from({ length: n }, (_, i) => i);
  let seed = 12345;
  for (let i = n - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const j = seed % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

for (const [name, options] of Object.entries(variants)) {
  test(`CSV, ${name}: random, strided and range reads give the serial pass's records and lines`, () => {
    withDir((dir) => {
      const file = path.join(dir, 'in.csv');
      const n = 3000;
      const { records, lines } = writeCsv(file, n, options);
      const source = openRecordSource([file]);
      try {
        assert.equal(source.size, n);
        const serial = [...source.readRange(0, n)];
        assert.deepEqual(serial.map((r) => r.data), records);
        assert.deepEqual(serial.map((r) => r.line), lines);
        for (const k of shuffled(n)) {
          const r = source.read(k);
          assert.deepEqual(r.data, records[k], `record ${k}`);
          assert.equal(r.line, lines[k]);
        }
        for (let w = 0; w < 4; w++) {
          const mine = [...source.readStrided(w, 4)];
          assert.deepEqual(mine.map((r) => r.event), records.map((_, i) => i).filter((i) => i % 4 === w));
          assert.deepEqual(mine.map((r) => r.data), mine.map((r) => records[r.event]));
        }
        assert.deepEqual([...source.readRange(2990, 20)].map((r) => r.data), records.slice(2990));
      } finally {
        source.close();
      }
    });
  });
}

function run(dir, label, inputs, args) {
  const out = path.join(dir, label);
  const r = spawnSync(process.execPath, [bin, 'run', job, '--out', out, '--json', '--set', `EventSelector.Input=${JSON.stringify(inputs)}`, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env: taggedEnv(),
  });
  return { ...r, out, output: () => fs.readFileSync(path.join(out, 'out.ndjson'), 'utf8') };
}

test('the command: 4 workers write the serial output under every strategy, from CSV inputs of every kind', () => {
  withDir((dir) => {
    const inputs = [];
    const expected = [];
    let first = 0;
    for (const [i, options] of Object.values(variants).entries()) {
      const file = path.join(dir, `in-${i}.csv`);
      const n = 400 + 37 * i;
      expected.push(...writeCsv(file, n, { ...options, first }).records);
      inputs.push(file);
      first += n;
    }
    const serial = run(dir, 'serial', inputs, ['--workers', '0']);
    assert.equal(serial.status, 0, serial.stderr);
    const written = serial.output().trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(written, expected.map((r, event) => ({ event, ...r })), 'the serial run wrote every record as written');
    for (const strategy of ['roundrobin', 'sharedqueue', 'ranges', 'files']) {
      const mp = run(dir, strategy, inputs, ['--workers', '4', '--strategy', strategy]);
      assert.equal(mp.status, 0, `${strategy}: ${mp.stderr}`);
      assert.equal(JSON.parse(mp.stdout).processed, expected.length);
      assert.equal(mp.output(), serial.output(), `${strategy}: the output equals the serial one`);
    }
  });
});
