// MpEventLoopMgr.HugePages: the master's large state moves into huge pages before the
// workers are forked, the run report says how much, and the outputs are those of a run
// without the option.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { root, bin } from './helpers/root.mjs';
import { withDir } from './helpers/tmp.mjs';
import { spawnCollecting } from './helpers/spawn-collecting.mjs';
import { hugePagesUnavailable } from './helpers/huge-pages.mjs';

const job = path.join(root, 'test', 'fixtures', 'cli', 'job.opts');

/** `cowloop run` of the small reco job with 160 MB of state (a 64 MB field map) into `out`. */
async function run(out, hugePages) {
  const args = ['--single-threaded', bin, 'run', job, '--workers', '2', '--events', '120', '--out', out, '--json',
    '--set', 'RecoGeometrySvc.StateMB=160', '--set', `MpEventLoopMgr.HugePages=${hugePages}`];
  const r = await spawnCollecting(args, { cwd: root }).done;
  assert.equal(r.status, 0, r.stderr);
  return { summary: JSON.parse(r.stdout), stderr: r.stderr };
}

test('HugePages = true moves the state into huge pages before forking and changes no output', { skip: hugePagesUnavailable() }, async () => {
  await withDir(async (dir) => {
    const huge = await run(path.join(dir, 'huge'), true);
    const plain = await run(path.join(dir, 'plain'), false);
    // The kernel may find no free 2 MiB page for some blocks, never for all of 64 MiB.
    assert.ok(huge.summary.multiProcess.hugePagesMiB > 0, JSON.stringify(huge.summary.multiProcess));
    assert.match(huge.stderr, /forked in [\d.]+ ms \(\d+ MiB in huge pages\)/);
    assert.equal(plain.summary.multiProcess.hugePagesMiB, 0);
    assert.doesNotMatch(plain.stderr, /in huge pages/);
    const output = (run) => fs.readFileSync(path.join(dir, run, 'reco.ndjson'));
    assert.equal(output('huge').toString().split('\n').filter(Boolean).length, 120);
    assert.ok(output('huge').equals(output('plain')), 'reco.ndjson differs with HugePages');
  });
});

test('HugePages takes only true or false, naming the property', async () => {
  await withDir(async (dir) => {
    const r = await spawnCollecting(['--single-threaded', bin, 'run', job, '--workers', '2', '--events', '10', '--out', dir,
      '--set', 'MpEventLoopMgr.HugePages=maybe'], { cwd: root }).done;
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /MpEventLoopMgr\.HugePages/);
  });
});
