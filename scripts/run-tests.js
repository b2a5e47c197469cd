// Runs the test files of one tier with node's test runner. The runner passes this
// process's --single-threaded flag on to each test file (fork() needs it).
// Tiers: test/*.test.mjs is `npm test` (minutes on 2 cores); test/slow/ is `npm run
// test:slow` (the package install per Node.js release, soaks, many forks), run by .ci/run.
// Usage: node --single-threaded scripts/run-tests.js [--slow] [filter...]
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const slow = process.argv[2] === '--slow';
const testDir = path.join(__dirname, '..', 'test', ...(slow ? ['slow'] : []));
const filters = process.argv.slice(slow ? 3 : 2);
const files = fs
  .readdirSync(testDir)
  .filter((f) => f.endsWith('.test.mjs') || f.endsWith('.test.js'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort()
  .map((f) => path.relative(path.join(__dirname, '..'), path.join(testDir, f)));
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
const args = ['--single-threaded', '--test', '--test-concurrency=1', '--test-timeout=300000', ...files];
const r = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: path.join(__dirname, '..') });
process.exit(r.status === null ? 1 : r.status);
