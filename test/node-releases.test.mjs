// Which Node.js releases cowloop runs on: an unsupported release is refused at require() time
// and by the command, naming the supported ones; an addon built for another release is
// refused (it would load, being a Node-API module, and then abort or hang at the first
// fork); a from-source build for another release gives way to this release's prebuilt one.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { withDir } from './helpers/tmp.mjs';
import { root } from './helpers/root.mjs';

const prebuilds = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);

/** Runs node with process.versions.node reported as `version` (a preload redefines it). */
function nodeReporting(version, args, env = {}) {
  return withDir((dir) => {
    const preload = path.join(dir, 'version.cjs');
    fs.writeFileSync(preload, `Object.defineProperty(process.versions, 'node', { value: ${JSON.stringify(version)} });\n`);
    return spawnSync(process.execPath, ['--single-threaded', '--require', preload, ...args], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, ...env },
      timeout: 60000,
    });
  });
}

const requireCowloop = ['-e', "try { require('cowloop'); console.log('loaded') } catch (e) { console.log(e.code); console.log(e.message); process.exit(1) }"];

for (const version of ['25.1.0', '18.20.4', '20.9.0']) {
  test(`require('cowloop') on Node.js ${version} is refused, naming the supported releases`, () => {
    const r = nodeReporting(version, requireCowloop);
    assert.equal(r.status, 1, r.stderr);
    const [code, message] = r.stdout.split('\n');
    assert.equal(code, 'ERR_COWLOOP_UNSUPPORTED_NODE');
    assert.match(message, new RegExp(`Node\\.js ${version.replace(/\./g, '\\.')} is (not supported|too old)`));
    assert.match(message, /20\.10\+, 22, 24, 26/);
  });
}

test('the command refuses an unsupported release with one line and exit code 1', () => {
  const r = nodeReporting('27.0.0', ['bin/cowloop.js', '--version']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^cowloop: Node\.js 27\.0\.0 is not supported: cowloop supports Node\.js 20\.10\+, 22, 24, 26 on Linux/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(r.stdout, '');
});

test('COWLOOP_ALLOW_UNTESTED_NODE=1 loads cowloop on an untested release anyway', () => {
  const r = nodeReporting('25.1.0', requireCowloop, { COWLOOP_ALLOW_UNTESTED_NODE: '1' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(r.stdout.trim(), 'loaded');
});

/** A copy of the package (dist, package.json) whose build/Release holds `addon`. */
function packageWithBuild(dir, addon) {
  fs.cpSync(path.join(root, 'dist'), path.join(dir, 'dist'), { recursive: true });
  fs.copyFileSync(path.join(root, 'package.json'), path.join(dir, 'package.json'));
  fs.mkdirSync(path.join(dir, 'build', 'Release'), { recursive: true });
  fs.copyFileSync(addon, path.join(dir, 'build', 'Release', 'cowloop.node'));
}

const forkOnce = [
  '-e',
  "require(process.argv[1]).fork(() => 6 * 7).then((c) => c.result).then((v) => console.log('result', v), (e) => { console.log(e.code); console.log(e.message); process.exit(1) })",
];

const otherAbi = fs.existsSync(prebuilds)
  ? fs.readdirSync(prebuilds).find((f) => /^node\.abi\d+\.glibc\.node$/.test(f) && f !== `node.abi${process.versions.modules}.glibc.node`)
  : undefined;
const skipOther = otherAbi ? false : 'no addon built for another release in prebuilds/ (node scripts/build-addon.js <major> makes one)';

test('an addon built for another release is refused by name before it is called', { skip: skipOther }, () => {
  withDir((dir) => {
    packageWithBuild(dir, path.join(prebuilds, otherAbi));
    const r = spawnSync(process.execPath, ['--single-threaded', ...forkOnce, path.join(dir, 'dist', 'cjs', 'index.js')], {
      encoding: 'utf8',
      env: { ...process.env, NODE_PATH: path.join(root, 'node_modules') },
      timeout: 60000,
    });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    const [code, ...message] = r.stdout.split('\n');
    assert.equal(code, 'ERR_COWLOOP_NATIVE_ADDON');
    const abi = otherAbi.match(/abi(\d+)/)[1];
    assert.match(message.join('\n'), new RegExp(`build/Release/cowloop\\.node: built for Node\\.js \\d+\\.\\d+\\.\\d+ \\(ABI ${abi}\\)`));
    assert.match(message.join('\n'), new RegExp(`no cowloop addon for Node\\.js ${process.version.replace(/\./g, '\\.')} \\(ABI ${process.versions.modules}`));
    assert.match(message.join('\n'), /npm rebuild cowloop --build-from-source/);
  });
});

const thisAbi = path.join(prebuilds, `node.abi${process.versions.modules}.glibc.node`);
const skipFallback = !otherAbi
  ? skipOther
  : fs.existsSync(thisAbi)
    ? false
    : `no prebuilt addon for this release (node scripts/build-addon.js ${process.versions.node.split('.')[0]})`;

test("a from-source build for another release gives way to this release's prebuilt addon", { skip: skipFallback }, () => {
  withDir((dir) => {
    packageWithBuild(dir, path.join(prebuilds, otherAbi));
    fs.mkdirSync(path.join(dir, 'prebuilds', `${process.platform}-${process.arch}`), { recursive: true });
    fs.copyFileSync(thisAbi, path.join(dir, 'prebuilds', `${process.platform}-${process.arch}`, path.basename(thisAbi)));
    const r = spawnSync(process.execPath, ['--single-threaded', ...forkOnce, path.join(dir, 'dist', 'cjs', 'index.js')], {
      encoding: 'utf8',
      env: { ...process.env, NODE_PATH: path.join(root, 'node_modules') },
      timeout: 60000,
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(r.stdout.trim(), 'result 42');
  });
});
