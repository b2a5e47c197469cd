// readSmaps' classification against real /proc/<pid>/smaps captures from node 20 (see
// test/fixtures/mem/*.kinds.json for the kind every mapping in them must get).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseSmaps, readSmaps } from 'cowloop';
import { root } from './helpers/root.mjs';

const fixtures = path.join(root, 'test', 'fixtures', 'mem');
const KINDS = ['code', 'file', 'v8Heap', 'external', 'shm', 'stack', 'kernel'];

/** Expected per-kind kB sums, computed from the capture with a plain regex, block by block. */
function expectedSums(text, kindByStart) {
  const sums = Object.fromEntries(KINDS.map((k) => [k, { rss: 0, pss: 0, private: 0, mappings: 0 }]));
  for (const block of text.split(/^(?=[0-9a-f]+-[0-9a-f]+ )/m)) {
    const start = block.slice(0, block.indexOf('-'));
    const kind = kindByStart[start];
    assert.ok(kind, `fixture block ${start} has an expected kind`);
    const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(block)[1]);
    sums[kind].rss += kb('Rss');
    sums[kind].pss += kb('Pss');
    sums[kind].private += kb('Private_Clean') + kb('Private_Dirty');
    sums[kind].mappings += 1;
  }
  return sums;
}

for (const name of ['smaps-before-fork', 'smaps-forked-child']) {
  test(`${name}: every mapping gets its kind and the sums match`, () => {
    const text = fs.readFileSync(path.join(fixtures, `${name}.txt`), 'latin1');
    const kindByStart = JSON.parse(fs.readFileSync(path.join(fixtures, `${name}.kinds.json`), 'utf8'));
    const summary = parseSmaps(text, 42);
    assert.equal(summary.pid, 42);
    const expected = expectedSums(text, kindByStart);
    for (const kind of KINDS) {
      const got = summary.kinds[kind];
      assert.equal(got.mappings, expected[kind].mappings, `${kind} mappings`);
      assert.equal(got.rss * 1024, expected[kind].rss, `${kind} rss`);
      assert.equal(got.pss * 1024, expected[kind].pss, `${kind} pss`);
      assert.equal(got.uss * 1024, expected[kind].private, `${kind} uss`);
    }
    assert.equal(summary.code.rss, summary.kinds.code.rss);
    assert.ok(Math.abs(summary.code.rss + summary.data.rss - summary.total.rss) < 1e-9);
    const v8Mappings = Object.values(kindByStart).filter((k) => k === 'v8Heap').length;
    const { dontforkMappings, noreserveMappings, mallocArenas } = summary.evidence;
    assert.equal(dontforkMappings + noreserveMappings, v8Mappings);
    assert.equal(mallocArenas, 1);
    if (name === 'smaps-before-fork') assert.equal(noreserveMappings, 0);
    else assert.ok(noreserveMappings > dontforkMappings);
  });
}

test('parseSmaps of an empty or foreign text gives zeros, not an exception', () => {
  for (const text of ['', 'hello\nworld\n']) {
    const s = parseSmaps(text);
    assert.equal(s.total.rss, 0);
    assert.equal(s.total.mappings, 0);
  }
});

test('readSmaps of this process agrees with itself: kinds add up to the total', () => {
  const s = readSmaps();
  assert.equal(s.pid, process.pid);
  const sum = (key) => KINDS.reduce((acc, k) => acc + s.kinds[k][key], 0);
  for (const key of ['rss', 'pss', 'uss', 'size']) {
    assert.ok(Math.abs(sum(key) - s.total[key]) < 1e-6, key);
  }
  assert.ok(s.kinds.code.rss > 1, 'node has resident code');
  assert.ok(s.kinds.v8Heap.rss > 1, 'node has a resident V8 heap');
  assert.ok(s.timing.readMs >= 0 && s.timing.parseMs >= 0);
});
