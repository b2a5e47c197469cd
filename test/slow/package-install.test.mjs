// Installing cowloop as a user does, without a compiler and without install scripts, on each
// supported Node.js release: `npm pack`, then `npm install --ignore-scripts <tarball>` in a
// fresh project with no g++ on PATH, then a job with two forked workers. The addon comes from
// the prebuilt binaries in the tarball (scripts/build-addon.js makes them; .ci/run builds one
// per supported release before this runs).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { root } from '../helpers/root.mjs';
import { suiteDir } from '../helpers/tmp.mjs';

const { SUPPORTED_NODE_MAJORS } = await import(path.join(root, 'dist', 'cjs', 'node-support.js'));
const releases = path.join(root, '.node-releases');

/** bin/ of each supported release present here: the running node's, and .node-releases/<major>. */
function releaseBins() {
  const bins = new Map([[Number(process.versions.node.split('.')[0]), path.dirname(process.execPath)]]);
  for (const major of SUPPORTED_NODE_MAJORS) {
    const bin = path.join(releases, String(major), 'node_modules', 'node', 'node_modules', `node-${process.platform}-${process.arch}`, 'bin');
    if (!bins.has(major) && fs.existsSync(path.join(bin, 'node'))) bins.set(major, bin);
  }
  return bins;
}

function abiOf(bin) {
  return execFileSync(path.join(bin, 'node'), ['-p', 'process.versions.modules'], { encoding: 'utf8' }).trim();
}

const JOB = `// Squares each event's number and keeps it; two forked workers.
ApplicationMgr.Modules   = { "./squares.mjs" };
ApplicationMgr.TopAlg    = { "Square", "OutputStream/Out" };
ApplicationMgr.EvtMax    = 400;
ApplicationMgr.EventLoop = "MpEventLoopMgr";
ApplicationMgr.OutputDir = "out";
MpEventLoopMgr.NWorkers  = 2;
EventSelector.Input      = { "numbers.ndjson" };
Out.Output               = "squares.ndjson";
Out.ItemList             = { "n", "square" };
`;
const ALGORITHM = `import { Algorithm } from 'cowloop';
export class Square extends Algorithm {
  execute(ctx) {
    ctx.store.put('n', ctx.data.n);
    ctx.store.put('square', ctx.data.n * ctx.data.n);
  }
}
`;

const dir = suiteDir('cowloop-package-');
let project;
let tarball;
let noCompilerPath;

before(() => {
  // What a build needs is missing: PATH holds node and npm alone.
  noCompilerPath = path.join(dir, 'bin');
  fs.mkdirSync(noCompilerPath);
  for (const tool of ['npm']) {
    const found = execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
    fs.symlinkSync(fs.realpathSync(found), path.join(noCompilerPath, tool));
  }
  fs.symlinkSync(process.execPath, path.join(noCompilerPath, 'node'));
  // The tarball as published: prepare has built dist already, so no script runs here.
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: root, encoding: 'utf8' }),
  );
  tarball = path.join(dir, packed[0].filename);
  project = path.join(dir, 'project');
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, 'package.json'), '{ "name": "user-project", "private": true, "type": "module" }\n');
  fs.writeFileSync(path.join(project, 'job.opts'), JOB);
  fs.writeFileSync(path.join(project, 'squares.mjs'), ALGORITHM);
  fs.writeFileSync(path.join(project, 'numbers.ndjson'), Array.from({ length: 400 }, (_, n) => JSON.stringify({ n })).join('\n') + '\n');
  const install = spawnSync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', tarball], {
    cwd: project,
    encoding: 'utf8',
    env: { ...process.env, PATH: noCompilerPath },
  });
  assert.equal(install.status, 0, `npm install failed:\n${install.stderr}`);
});

test('the tarball holds a prebuilt addon for every release built here, and no build/', () => {
  const listed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--ignore-scripts', '--json'], { cwd: root, encoding: 'utf8' }))[0].files.map(
    (f) => f.path,
  );
  assert.ok(!listed.some((f) => f.startsWith('build/')), 'a local build is not shipped');
  for (const [major, bin] of releaseBins()) {
    const file = `prebuilds/${process.platform}-${process.arch}/node.abi${abiOf(bin)}.glibc.node`;
    assert.ok(listed.includes(file), `Node.js ${major}: ${file} is in the package (node scripts/build-addon.js ${major})`);
  }
  assert.ok(!fs.existsSync(path.join(project, 'node_modules', 'cowloop', 'build')), 'nothing was compiled at install');
  const g = spawnSync('sh', ['-c', 'command -v g++ c++ cc make'], { env: { PATH: noCompilerPath } });
  assert.notEqual(g.status, 0, 'no compiler is reachable on the install PATH');
});

for (const [major, bin] of releaseBins()) {
  test(`Node.js ${major}: the installed package runs a job with two forked workers`, () => {
    const out = path.join(project, 'out');
    fs.rmSync(out, { recursive: true, force: true });
    const run = spawnSync(path.join(bin, 'node'), ['node_modules/cowloop/bin/cowloop.js', 'run', 'job.opts', '--json'], {
      cwd: project,
      encoding: 'utf8',
      env: { ...process.env, PATH: `${bin}:${noCompilerPath}` },
      timeout: 120000,
    });
    assert.equal(run.status, 0, `cowloop run failed on Node.js ${major}:\n${run.stderr}`);
    const summary = JSON.parse(run.stdout);
    assert.equal(summary.processed, 400);
    assert.equal(summary.workers.length, 2);
    const lines = fs.readFileSync(path.join(out, 'squares.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((r) => r.square), Array.from({ length: 400 }, (_, n) => n * n));
  });
}
