// The fork-latency benchmark runs end to end in its quick mode and writes well-formed
// tables; the docs assembly puts results files together in order. No timing is asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createRequire } from 'node:module';
import { root } from '../helpers/root.mjs';
import { withDir } from '../helpers/tmp.mjs';

const run = promisify(execFile);
const require = createRequire(import.meta.url);

/** Rows of the markdown table whose header starts with `first`, as arrays of cells. */
function tableAfter(markdown, first) {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`| ${first} |`));
  assert.ok(start >= 0, `no table starting with "${first}"`);
  const header = lines[start].split('|').slice(1, -1).map((c) => c.trim());
  assert.match(lines[start + 1], /^\|(---\|)+$/);
  const rows = [];
  for (let i = start + 2; i < lines.length && lines[i].startsWith('|'); i++) {
    const cells = lines[i].split('|').slice(1, -1).map((c) => c.trim());
    assert.equal(cells.length, header.length, `row has ${cells.length} cells, header ${header.length}: ${lines[i]}`);
    rows.push(cells);
  }
  return { header, rows };
}

const duration = /^\d[\d,]*(\.\d+)? ms$/;

test('quick mode writes a latency table for each size and method, and the soak result', async () => {
  await withDir(async (dir) => {
    const out = path.join(dir, 'fork-latency.md');
    await run(process.execPath, ['benchmarks/fork-latency/driver.js', '--quick', '--out', out], {
      cwd: root,
      timeout: 180_000,
      maxBuffer: 16 * 2 ** 20,
    });
    const markdown = fs.readFileSync(out, 'utf8');
    assert.match(markdown, /^## Fork latency\n/);
    assert.match(markdown, /Command: `node benchmarks\/fork-latency\/driver\.js --quick --out /);

    const latency = tableAfter(markdown, 'State');
    assert.deepEqual(latency.header.slice(0, 5), ['State', 'Method', 'Runs', 'First', 'Median']);
    assert.deepEqual(latency.rows.map((r) => `${r[0]} ${r[1]}`), [
      '8 MiB cowloop `fork()`',
      '8 MiB `child_process.fork` + rebuild',
      '32 MiB cowloop `fork()`',
      '32 MiB `child_process.fork` + rebuild',
      '32 MiB cowloop `fork()`, Float64Array in `sharedMemory()`',
    ]);
    for (const row of latency.rows) {
      assert.match(row[4], duration, `median of ${row[0]} ${row[1]}`);
      assert.match(row[6], duration, `min of ${row[0]} ${row[1]}`);
      if (row[1].startsWith('cowloop')) {
        assert.equal(row[2], '1 + 3');
        for (const cell of [row[3], row[5], row[7], row[8]]) assert.match(cell, duration);
      } else {
        assert.match(row[9], /^\d[\d,]*x slower$/);
      }
    }

    const soak = tableAfter(markdown, 'Forks');
    assert.equal(soak.rows.length, 1);
    const cell = (name) => soak.rows[0][soak.header.indexOf(name)];
    assert.equal(cell('Forks'), '6');
    assert.equal(cell('Exit 0'), '6', 'every soak child exits with code 0');
    assert.equal(cell('Killed as hung'), '0');
    assert.equal(cell('Wrong result'), '0');
    assert.match(cell('Scavenges / full GCs per child'), /^\d+ \/ [1-9]\d*$/, 'the children ran full GCs');
  });
});

test('the docs assembly names the machine and puts results in a fixed order', () => {
  const { assembleBenchmarks } = require('../../scripts/assemble-benchmarks.js');
  withDir((dir) => {
    const results = path.join(dir, 'results');
    fs.mkdirSync(results);
    fs.writeFileSync(path.join(results, 'zeta.md'), '## Zeta\n\nz\n');
    fs.writeFileSync(path.join(results, 'alpha.md'), '# Alpha\n\n## Part\n\n```\n# not a heading\n```\n');
    fs.writeFileSync(path.join(results, 'fork-latency.md'), '## Fork latency\n\nf\n');
    fs.writeFileSync(path.join(results, 'alpha-quick.md'), '## Quick run\n');
    const out = path.join(dir, 'benchmarks.md');
    assert.deepEqual(assembleBenchmarks({ dir: results, out }).sections, ['fork-latency', 'alpha', 'zeta']);
    const doc = fs.readFileSync(out, 'utf8');
    assert.match(doc, /^# Benchmarks\n/);
    assert.match(doc, new RegExp(`Machine: ${os.availableParallelism()} cores? \\(\`nproc\`\\), .+, [\\d.]+ GiB RAM, .*Node\\.js ${process.version}`));
    assert.ok(doc.indexOf('## Fork latency') < doc.indexOf('## Alpha'));
    assert.ok(doc.indexOf('## Alpha') < doc.indexOf('## Zeta'));
    assert.match(doc, /### Part\n/);
    assert.match(doc, /\n# not a heading\n/, 'headings inside code fences stay as they are');
    assert.doesNotMatch(doc, /Quick run/);
  });
});
