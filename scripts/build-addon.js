// Builds the addon for one Node.js release into the package's prebuilt-binary layout:
//   prebuilds/linux-x64/node.abi<ABI>.glibc.node
// Each release builds in its own directory of this checkout (.addon-builds/<major>/), so
// build/ (the machine's own node) is never touched, and checkouts that share one
// .node-releases/ do not build into each other's folders.
// Usage: node scripts/build-addon.js <major>...   (e.g. 20 22 24 26; "all" = every supported one)
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { nodeRelease, describeRelease } = require('./node-release.js');

const root = path.join(__dirname, '..');

function nodeGyp() {
  // npm ships node-gyp; lifecycle scripts get its path, a plain shell finds it beside npm.
  if (process.env.npm_config_node_gyp) return process.env.npm_config_node_gyp;
  const npmDir = path.dirname(path.dirname(fs.realpathSync(execFileSync('which', ['npm'], { encoding: 'utf8' }).trim())));
  const bundled = path.join(npmDir, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (fs.existsSync(bundled)) return bundled;
  throw new Error('node-gyp not found: it comes with npm');
}

function buildFor(major) {
  const dir = nodeRelease(major);
  const { version, abi } = describeRelease(dir);
  const work = path.join(root, '.addon-builds', String(major));
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  fs.cpSync(path.join(root, 'native'), path.join(work, 'native'), { recursive: true });
  fs.copyFileSync(path.join(root, 'binding.gyp'), path.join(work, 'binding.gyp'));
  process.stderr.write(`building the addon for Node.js ${version} (ABI ${abi})\n`);
  // binding.gyp finds node-addon-api with `node -p require(...)`, resolved from the work
  // folder upwards into the repository's node_modules.
  execFileSync(process.execPath, [nodeGyp(), 'rebuild', '--loglevel=warn', `--nodedir=${dir}`], {
    cwd: work,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...withoutNpmConfig(process.env), PATH: `${path.join(dir, 'bin')}:${process.env.PATH}` },
  });
  const target = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`, `node.abi${abi}.glibc.node`);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const built = path.join(work, 'build', 'Release', 'cowloop.node');
  // Loaded by the release it is for, it must say it was built for that release.
  const builtAbi = execFileSync(path.join(dir, 'bin', 'node'), ['-p', `require(${JSON.stringify(built)}).abi`], { encoding: 'utf8' }).trim();
  if (Number(builtAbi) !== abi) throw new Error(`the addon built for Node.js ${version} reports ABI ${builtAbi}, not ${abi}`);
  fs.copyFileSync(built, target);
  process.stderr.write(`wrote ${path.relative(root, target)}\n`);
  return target;
}

// node-gyp lets npm's configuration in the environment (npm_config_nodedir, set when npm
// is configured to build against the machine's headers) override its own command line.
function withoutNpmConfig(env) {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !/^npm_(config|package_config_node_gyp)_/i.test(key)));
}

if (require.main === module) {
  let majors = process.argv.slice(2);
  if (majors.length === 0) {
    process.stderr.write('usage: node scripts/build-addon.js <major>... | all\n');
    process.exit(2);
  }
  if (majors.includes('all')) majors = require('../dist/cjs/node-support.js').SUPPORTED_NODE_MAJORS.map(String);
  for (const major of majors) buildFor(major);
}

module.exports = { buildFor };
