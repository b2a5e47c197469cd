// Runs the test suite under one Node.js release from the npm registry, with the addon built
// for that release in its own directory (scripts/build-addon.js).
// Usage: node scripts/test-on-node.js <major> [test-file-filter...]
//   e.g. node scripts/test-on-node.js 24        node scripts/test-on-node.js 22 evtloop
// The tests run with that release's node (process.execPath in every child they start).
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { buildFor } = require('./build-addon.js');
const { nodeRelease } = require('./node-release.js');

const [major, ...filters] = process.argv.slice(2);
if (!major) {
  process.stderr.write('usage: node scripts/test-on-node.js <major> [test-file-filter...]\n');
  process.exit(2);
}
const dir = nodeRelease(major);
buildFor(major);
const node = path.join(dir, 'bin', 'node');
const r = spawnSync(node, ['--single-threaded', path.join(__dirname, 'run-tests.js'), ...filters], {
  stdio: 'inherit',
  cwd: path.join(__dirname, '..'),
  env: { ...process.env, PATH: `${path.join(dir, 'bin')}:${process.env.PATH}` },
});
process.exit(r.status === null ? 1 : r.status);
