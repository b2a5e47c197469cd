// The memory benchmark's quick mode as a real process: every contender runs, and the results
// file and its plots are well formed. No timing or size is asserted.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { root } from '../helpers/root.mjs';
import { withDir } from '../helpers/tmp.mjs';

test('bench:memory --quick writes a results table for every contender and SVG plots', () => {
  withDir((dir) => {
    const out = path.join(dir, 'memory.md');
    const img = path.join(dir, 'img');
    const run = spawnSync(process.execPath, [path.join(root, 'benchmarks/memory/run.js'), '--quick', '--out', out, '--img-dir', img], {
      cwd: root,
      encoding: 'utf8',
      timeout: 120000,
    });
    assert.equal(run.status, 0, `run.js failed:\n${run.stdout}\n${run.stderr}`);
    const md = fs.readFileSync(out, 'utf8');
    assert.match(md, /^# Memory benchmark/);
    assert.match(md, /Command: `npm run bench:memory -- --quick/);
    assert.match(md, /\d+ cores/);
    const rows = md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| contender'));
    for (const name of ['serial (node defaults)', 'cowloop, fork after initialize', 'cowloop, fork after the first event', 'node:cluster', 'child_process.fork', 'tinypool', 'piscina']) {
      const mine = rows.filter((l) => l.startsWith(`| ${name}`));
      assert.ok(mine.length > 0, `no row for ${name}`);
      for (const l of mine) {
        assert.doesNotMatch(l, /failed/, l);
        // Total PSS is a positive number on every row.
        const cells = l.split('|').map((c) => c.trim());
        assert.ok(Number(cells[4]) > 0, `total PSS in ${l}`);
      }
    }
    assert.match(md, /page by page against the master/);
    const images = [...md.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => path.resolve(dir, m[1]));
    assert.ok(images.length >= 2, 'the results reference the plots');
    for (const file of images) {
      const svg = fs.readFileSync(file, 'utf8');
      assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      assert.match(svg, /<\/svg>\n$/);
      assert.match(svg, /<polyline|<circle/);
    }
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'memory.json'), 'utf8'));
    assert.ok(json.every((r) => !r.error && r.totalPssMiB > 0));
  });
});
