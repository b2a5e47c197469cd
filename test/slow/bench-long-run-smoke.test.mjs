// The long-run memory benchmark as a real process, kept short: each configuration runs the
// reco job through the command and its row has figures. No size or time is asserted.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { root } from '../helpers/root.mjs';
import { withDir } from '../helpers/tmp.mjs';

function run(args, out) {
  const r = spawnSync(process.execPath, [path.join(root, 'benchmarks/memory/long-run.js'), '--events', '8000', '--state-mb', '50', '--rounds', '1', '--out', out, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 300_000,
  });
  assert.equal(r.status, 0, `long-run.js failed:\n${r.stdout}\n${r.stderr}`);
  const md = fs.readFileSync(out, 'utf8');
  return md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| configuration'));
}

/** Every number cell of a row is a finite number, memory ones positive. */
function checkRow(row) {
  const cells = row.split('|').map((c) => c.trim()).filter(Boolean);
  const numbers = cells.slice(1).map(Number);
  assert.equal(numbers.length, 6, row);
  assert.ok(numbers.every((n) => Number.isFinite(n)), row);
  assert.ok(numbers[4] > 0 && numbers[5] > 0, `worker USS and total PSS in ${row}`);
}

test('long-run.js: this build and this build with the memory reducer, a row each', () => {
  withDir((dir) => {
    const rows = run([], path.join(dir, 'long-run.md'));
    assert.deepEqual(rows.map((r) => r.split('|')[1].trim()), ['this build (defaults)', 'this build, V8\'s memory reducer on']);
    rows.forEach(checkRow);
  });
});

test('long-run.js --semi-space 1,2: a row per size', () => {
  withDir((dir) => {
    const rows = run(['--semi-space', '1,2'], path.join(dir, 'semi.md'));
    assert.deepEqual(rows.map((r) => r.split('|')[1].trim()), ['--max-semi-space-size=1 (the command\'s own)', '--max-semi-space-size=2']);
    rows.forEach(checkRow);
  });
});
