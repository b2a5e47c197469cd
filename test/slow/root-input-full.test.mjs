// ROOT input at full size: all 1,000,000 entries of the int64 + bool tree and every readable
// branch of the CMS NanoAOD file (about 940), serially and with 2 forked workers on each
// strategy; the merged outputs must equal the serial ones byte for byte.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { withDir } from '../helpers/tmp.mjs';
import { needsRootData, repoRoot, rootFile } from '../helpers/root-data.mjs';

const bin = path.join(repoRoot, 'bin', 'cowloop.js');
const opts = path.join(repoRoot, 'test', 'fixtures', 'io', 'root-dump.opts');

function run(out, args) {
  const r = spawnSync(process.execPath, ['--single-threaded', bin, 'run', opts, '--out', out, '-q', ...args], { encoding: 'utf8', timeout: 600000, cwd: repoRoot });
  assert.equal(r.status, 0, r.stderr);
  return fs.readFileSync(path.join(out, 'dump.ndjson'));
}

const JOBS = [
  { name: '1M entries', file: 'uproot-issue412.root', branches: ['b1', 'b2'], chunk: 10000, entries: 1000000 },
  { name: 'NanoAOD, every readable branch', file: 'nanoAOD_2015_CMS_Open_Data_ttbar.root', branches: null, chunk: 50, entries: 200 },
];

for (const job of JOBS) {
  test(`${job.name}: 2 workers on every strategy equal the serial run`, needsRootData, async () => {
    await withDir((dir) => {
      const args = ['-s', `EventSelector.Input=${JSON.stringify([rootFile(job.file)])}`, '-s', `MpEventLoopMgr.ChunkSize=${job.chunk}`];
      if (job.branches) args.push('-s', `EventSelector.Branches=${JSON.stringify(job.branches)}`, '-s', `Out.ItemList=${JSON.stringify(job.branches)}`);
      else args.push('-s', 'EventSelector.Branches=[]', '-s', 'Out.ItemList=["run","luminosityBlock","nMuon","Muon_pt","nJet","Jet_pt","Jet_eta","MET_pt"]');
      const serial = run(path.join(dir, 'serial'), args);
      assert.equal(serial.toString('utf8').split('\n').length - 1, job.entries);
      for (const strategy of ['ranges', 'sharedqueue', 'roundrobin']) {
        const merged = run(path.join(dir, strategy), [...args, '--workers', '2', '--strategy', strategy]);
        assert.ok(merged.equals(serial), `${strategy}: the merged output differs from the serial one`);
      }
    });
  });
}
