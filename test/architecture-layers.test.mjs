// The areas of src/ import each other only in the direction docs/architecture.md ("Layers")
// allows: scripts/check-layers.js reads that table and every import of the sources.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { root } from './helpers/root.mjs';
import { withDir } from './helpers/tmp.mjs';

const script = path.join(root, 'scripts', 'check-layers.js');
const doc = path.join(root, 'docs', 'architecture.md');

function check(...args) {
  return spawnSync(process.execPath, [script, ...args], { cwd: root, encoding: 'utf8' });
}

/** Writes `files` ({ 'framework/a.ts': text }) under dir/src. */
function tree(dir, files) {
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(dir, 'src', name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  return path.join(dir, 'src');
}

test("cowloop's sources import only in the allowed directions", () => {
  const r = check();
  assert.equal(r.status, 0, r.stderr);
  const m = /layers: (\d+) modules, (\d+) imports/.exec(r.stdout);
  assert.ok(m, r.stdout);
  // The whole tree was read, not an empty or wrong directory.
  assert.ok(Number(m[1]) > 100 && Number(m[2]) > 400, r.stdout);
});

test('an import against the direction fails, naming the file, the import and the rule', () =>
  withDir((dir) => {
    const src = tree(dir, {
      'evtloop/loop.ts': "import type { Component } from '../framework/component.js';\nexport class Loop {}\n",
      // Type-only, multi-line: still a dependency of framework on evtloop.
      'framework/component.ts': "import type {\n  Loop,\n} from '../evtloop/loop.js';\nexport class Component {}\n",
      'framework/registry.ts': "import { Component } from './component.js';\nconst lazy = () => require('../io/reader.js');\n",
      'io/reader.ts': "import { Component } from '../framework/component.js';\n// from '../cli/main.js' in a comment is not an import\n",
    });
    const r = check('--src', src, '--doc', doc);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.deepEqual(lines.map((l) => l.replace(/ \(the layer table in .*\)$/, '')), [
      "src/framework/component.ts imports '../evtloop/loop.js': framework/ may not import evtloop/",
      "src/framework/registry.ts imports '../io/reader.js': framework/ may not import io/",
    ]);
  }));

test('an area without a row in the table fails until the table says what it may import', () =>
  withDir((dir) => {
    const src = tree(dir, { 'plugins/plan.ts': "import { Loop } from '../evtloop/loop.js';\n", 'evtloop/loop.ts': 'export class Loop {}\n' });
    const r = check('--src', src, '--doc', doc);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /src\/plugins\/plan\.ts: the area "plugins\/" has no row in the layer table/);
  }));

test('a table that allows a cycle between areas is refused', () =>
  withDir((dir) => {
    const src = tree(dir, { 'io/a.ts': 'export const a = 1;\n' });
    const cyclic = path.join(dir, 'architecture.md');
    fs.writeFileSync(cyclic, [
      '# Architecture', '', '## Layers', '', '| area | may import |', '|---|---|',
      '| `framework/` | `io/` |', '| `io/` | `evtloop/` |', '| `evtloop/` | `framework/` |', '', '## Next', '',
    ].join('\n'));
    const r = check('--src', src, '--doc', cyclic);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /the layer table allows a cycle: framework\/ -> io\/ -> evtloop\/ -> framework\//);
  }));
