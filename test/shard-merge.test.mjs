// A job split by `cowloop run --shard i/N` and joined by `cowloop merge --job`, as real
// processes on the reco example: the merged outputs are the serial run's bytes, by events
// and by files; a shard run twice changes nothing; a missing, failed or foreign shard
// makes the merge refuse, naming it, with nothing written at the output paths.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cowloop, OUTPUTS, recoJob, recoOpts, sameOutputs } from './helpers/shard-job.mjs';
import { withDir } from './helpers/tmp.mjs';

function ok(r) {
  assert.equal(r.status, 0, r.stderr + r.stdout);
  return r;
}

test('three shards (one with two workers) merge into the serial run\'s bytes; reruns change nothing', () =>
  withDir((dir) => {
    const job = recoJob(dir, { events: 300 });
    ok(cowloop(['run', recoOpts, ...job, '--out', 'serial', '-q'], dir));
    const shard = (spec, extra = []) => cowloop(['run', recoOpts, ...job, '--out', 'job', '-q', '--shard', spec, ...extra], dir);
    assert.match(ok(shard('0/3')).stderr, /shard 0\/3: events \[0, 100\) of \[0, 300\) by events/);
    ok(shard('1/3', ['--workers', '2', '--fork-after', '10']));
    ok(shard('2/3'));
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'job', 'shards', '1', 'manifest.json'), 'utf8'));
    assert.deepEqual(manifest.shard, { index: 1, count: 3 });
    assert.deepEqual(manifest.events, { first: 100, end: 200 });
    assert.equal(manifest.processed, 100);
    assert.equal(manifest.workers, 2);
    assert.deepEqual(manifest.outputs.map((o) => o.name), ['reco-histos.json', 'reco.ndjson']);
    assert.match(manifest.job.optionsDigest, /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual(manifest.exit, { code: 0, status: 'ok' });
    // Only the whole shard directories and their attempt records: no partial directory left.
    assert.deepEqual(fs.readdirSync(path.join(dir, 'job', 'shards')).sort(), ['0', '0.attempt.json', '1', '1.attempt.json', '2', '2.attempt.json']);

    const merged = ok(cowloop(['merge', '--job', 'job'], dir));
    assert.match(merged.stdout, /merged 3 shards \(300 events, 0 failed\)/);
    sameOutputs(assert, path.join(dir, 'job'), path.join(dir, 'serial'));

    // The same shard again (serially this time) replaces its copy with an equal one.
    ok(shard('1/3'));
    ok(cowloop(['merge', '--job', 'job'], dir));
    sameOutputs(assert, path.join(dir, 'job'), path.join(dir, 'serial'));
    const status = JSON.parse(ok(cowloop(['status', 'job', '--json', '--no-slurm'], dir)).stdout);
    assert.deepEqual(status.shards.map((s) => s.state), ['done', 'done', 'done']);
    assert.equal(status.merge.state, 'done');
  }));

test('--strategy files shards by whole input files; the merge gives the serial bytes', () =>
  withDir((dir) => {
    const job = recoJob(dir, { events: 240, files: 3 });
    ok(cowloop(['run', recoOpts, ...job, '--out', 'serial', '-q'], dir));
    const first = ok(cowloop(['run', recoOpts, ...job, '--out', 'job', '-q', '--workers', '2', '--strategy', 'files', '--shard', '0/2'], dir));
    // Three files of 80 events over two shards: the first shard takes the first file only.
    assert.match(first.stderr, /shard 0\/2: events \[0, 80\) of \[0, 240\) by files/);
    ok(cowloop(['run', recoOpts, ...job, '--out', 'job', '-q', '--workers', '2', '--strategy', 'files', '--shard', '1/2'], dir));
    ok(cowloop(['merge', '--job', 'job'], dir));
    sameOutputs(assert, path.join(dir, 'job'), path.join(dir, 'serial'));
  }));

test('the merge refuses a missing, failed, foreign or mis-counted shard and writes nothing at the output paths', () =>
  withDir((dir) => {
    const job = recoJob(dir, { events: 120 });
    const shard = (spec, extra = []) => cowloop(['run', recoOpts, ...job, '--out', 'job', '-q', '--shard', spec, ...extra], dir);
    ok(shard('0/3'));
    ok(shard('2/3'));
    const refuse = (pattern) => {
      const r = cowloop(['merge', '--job', 'job'], dir);
      assert.equal(r.status, 3, r.stderr);
      assert.match(r.stderr, /cannot merge the job in .*job; nothing was written at its output paths/);
      assert.match(r.stderr, pattern);
      assert.match(r.stderr, /ERR_COWLOOP_SHARD_MERGE_REFUSED/);
      for (const name of [...OUTPUTS, 'merge.json']) assert.ok(!fs.existsSync(path.join(dir, 'job', name)), `${name} was written`);
      assert.deepEqual(fs.readdirSync(path.join(dir, 'job')), ['shards'], 'no staging directory is left');
    };
    refuse(/shard 1: missing/);

    // A shard whose run fails (a bad option value) leaves no directory, and an attempt that says why.
    const failed = shard('1/3', ['--set', 'TrackFinder.MinHits=-3']);
    assert.equal(failed.status, 3, failed.stderr);
    assert.ok(!fs.existsSync(path.join(dir, 'job', 'shards', '1')));
    refuse(/shard 1: failed \(its last attempt failed \(exit 3, error\): .*MinHits/);
    const status = JSON.parse(ok(cowloop(['status', 'job', '--json', '--no-slurm'], dir)).stdout);
    assert.deepEqual(status.shards.map((s) => s.state), ['done', 'failed', 'done']);

    // A shard of another job: other options.
    ok(shard('1/3', ['--set', 'TrackFinder.MinHits=5']));
    refuse(/shard 1: mismatched \(its options differ \(options digest [0-9a-f]{12}, the job's is [0-9a-f]{12}; from .*reco\.opts\)\)/);

    // The same shard number from another split: it overlaps the others' events.
    ok(shard('1/2'));
    refuse(/shard 1: mismatched \(it was run as shard 1\/2, the job has 3 shards\)/);

    // Done right, the merge goes through; a later refusal leaves the merged outputs as they were.
    ok(shard('1/3'));
    ok(cowloop(['merge', '--job', 'job'], dir));
    const before = fs.readFileSync(path.join(dir, 'job', 'reco.ndjson'));
    fs.rmSync(path.join(dir, 'job', 'shards', '2'), { recursive: true });
    const r = cowloop(['merge', '--job', 'job'], dir);
    assert.equal(r.status, 3);
    assert.match(r.stderr, /shard 2: missing/);
    assert.ok(fs.readFileSync(path.join(dir, 'job', 'reco.ndjson')).equals(before));
  }));

test('a damaged shard output is refused by its digest', () =>
  withDir((dir) => {
    const job = recoJob(dir, { events: 60 });
    for (const spec of ['0/2', '1/2']) ok(cowloop(['run', recoOpts, ...job, '--out', 'job', '-q', '--shard', spec], dir));
    fs.appendFileSync(path.join(dir, 'job', 'shards', '1', 'reco.ndjson'), '{"event":999}\n');
    const r = cowloop(['merge', '--job', 'job'], dir);
    assert.equal(r.status, 3);
    assert.match(r.stderr, /shard 1: mismatched \(its output reco\.ndjson changed since the shard wrote it/);
  }));

test('bad --shard, merge --job and status arguments are usage errors that say what is wrong', () =>
  withDir((dir) => {
    for (const [spec, why] of [['3/3', '"3/3"'], ['1', '"1"'], ['-1/2', '"-1/2"'], ['0/0', '"0/0"']]) {
      const r = cowloop(['run', recoOpts, '--out', 'job', '--shard', spec], dir);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`--shard must be i/N with 0 <= i < N, shards numbered from 0 \\(got ${why}\\)`));
    }
    assert.ok(!fs.existsSync(path.join(dir, 'job')), 'a refused --shard creates nothing');
    const both = cowloop(['merge', '--job', 'job', 'a.ndjson', '-o', 'x.ndjson'], dir);
    assert.equal(both.status, 2);
    assert.match(both.stderr, /merge --job DIR takes no input files and no -o/);
    const none = cowloop(['merge'], dir);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /merge needs input files and -o <file> \(or --job DIR\)/);
    const empty = cowloop(['merge', '--job', 'nothing-here'], dir);
    assert.equal(empty.status, 3);
    assert.match(empty.stderr, /no shards under .*nothing-here.shards/);
    const status = cowloop(['status', 'no-such-dir'], dir);
    assert.equal(status.status, 2);
    assert.match(status.stderr, /no-such-dir does not exist/);
  }));
