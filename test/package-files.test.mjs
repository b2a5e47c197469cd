// The npm package holds every file README.md and docs/guide.md tell a package user to open
// (paths such as examples/reco/host.js, and the guide's links), and none of the example's
// generated data. Checked with `npm pack --dry-run --json`, which lists what would be packed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { root } from './helpers/root.mjs';

function packedFiles() {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', timeout: 120000 });
  assert.equal(r.status, 0, r.stderr);
  const [pack] = JSON.parse(r.stdout);
  return new Set(pack.files.map((f) => f.path));
}

/**
 * Repository paths a document names: `examples/reco/host.js`, and relative Markdown links.
 * The README's "Development" section is about working in a clone (scripts, test tiers), not
 * about the package, so it is left out.
 */
function referencedPaths(doc) {
  const text = fs.readFileSync(path.join(root, doc), 'utf8').split(/^## Development$/m)[0];
  const found = new Set();
  for (const m of text.matchAll(/(?<![\w./<-])((?:examples|docs|src|dist|bin|test|benchmarks|scripts|native)\/[\w.-]+(?:\/[\w.-]+)*)/g)) {
    found.add(m[1].replace(/\.$/, ''));
  }
  for (const m of text.matchAll(/\]\(([^)#:]+)(#[^)]*)?\)/g)) {
    found.add(path.posix.normalize(path.posix.join(path.posix.dirname(doc), m[1])));
  }
  return [...found];
}

test('every file the README and the guide point at is in the package', () => {
  const files = packedFiles();
  const missing = [];
  for (const doc of ['README.md', 'docs/guide.md']) {
    const refs = referencedPaths(doc);
    assert.ok(refs.includes('examples/reco/host.js'), `${doc}: the reference scan finds nothing (${refs.join(', ')})`);
    for (const ref of refs) {
      // A directory counts when some file under it is packed.
      if (!files.has(ref) && ![...files].some((f) => f.startsWith(`${ref}/`))) missing.push(`${doc}: ${ref}`);
    }
  }
  assert.deepEqual(missing, [], `named in the docs but not in the package:\n${missing.join('\n')}`);
});

test('the package ships the examples without generated data', () => {
  const files = [...packedFiles()];
  for (const f of ['examples/reco/host.js', 'examples/reco/reco.opts', 'examples/first-component/components.mjs', 'examples/first-component/first.opts']) {
    assert.ok(files.includes(f), f);
  }
  assert.deepEqual(files.filter((f) => f.startsWith('examples/') && f.includes('/data/')), []);
});
