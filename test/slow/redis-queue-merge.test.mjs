// `cowloop work --merge` against a real Redis (Debian's redis-server, started here on a free
// port), every node a real process: the first node to find the job complete merges it, the
// others name that node; the merged outputs are the serial run's bytes and a merge by hand
// afterwards changes nothing; a merge that fails ends its node with the merge's own error.
// Skips, saying why, where redis-server is not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cowloop, gatedOpts, OUTPUTS, recoJob, recoOpts, sameOutputs } from '../helpers/shard-job.mjs';
import { redisStatus as status, submitRedis as submit, until, workNode } from '../helpers/redis-job.mjs';
import { withDir } from '../helpers/tmp.mjs';
import redisServer from '../../benchmarks/scale-out/redis-server.js';

const { startRedis, redisMissing } = redisServer;

const skip = redisMissing();

/** A `cowloop work --merge` node of one worker, as a real process. */
function mergingNode(dir, opts, url, out, set) {
  return workNode(dir, opts, url, out, set, ['--merge'], 1);
}

/** The job's merged outputs and merge.json without its time: what a merge leaves. */
function merged(out) {
  const { merged: _time, ...record } = JSON.parse(fs.readFileSync(path.join(out, 'merge.json'), 'utf8'));
  return { record, outputs: OUTPUTS.map((name) => fs.readFileSync(path.join(out, name))) };
}

test('three cowloop work --merge nodes: exactly one merges, the others name it; outputs as serial; a merge by hand changes nothing', { skip, timeout: 120000 }, async () => {
  await withDir(async (dir) => {
    const redis = await startRedis(dir);
    const started = [];
    try {
      const set = recoJob(dir, { events: 100 });
      const out = path.join(dir, 'job');
      submit(dir, recoOpts, redis.url, out, set);
      started.push(...[0, 1, 2].map(() => mergingNode(dir, recoOpts, redis.url, out, set)));
      const nodes = await Promise.all(started.map((n) => n.done));
      const all = nodes.map((n) => n.stderr).join('\n---\n');
      for (const n of nodes) assert.equal(n.status, 0, n.stderr);

      const mergers = nodes.filter((n) => /this node \(\S+\) merges it/.test(n.stderr));
      assert.equal(mergers.length, 1, `exactly one node merges:\n${all}`);
      const merger = /this node \((\S+)\) merges it/.exec(mergers[0].stderr)[1];
      assert.match(mergers[0].stderr, /merged 10 shards \(100 events, 0 failed\) into /);
      for (const n of nodes.filter((x) => x !== mergers[0])) {
        assert.ok(n.stderr.includes(`the job is complete; node ${merger} merges it`), n.stderr);
        assert.doesNotMatch(n.stderr, /merged \d+ shards/);
      }

      const serial = cowloop(['run', recoOpts, '-q', '--out', path.join(dir, 'serial'), ...set], dir);
      assert.equal(serial.status, 0, serial.stderr);
      sameOutputs(assert, out, path.join(dir, 'serial'));

      const s = status(dir, out, redis.url);
      assert.equal(s.queue.merger, merger);
      assert.equal(s.merge.state, 'done');
      assert.match(status(dir, out, redis.url, false), new RegExp(`^merge: done \\(claimed by ${merger}\\)$`, 'm'));

      // The merge is idempotent: by hand afterwards it writes the same bytes.
      const before = merged(out);
      const again = cowloop(['merge', '--job', out], dir);
      assert.equal(again.status, 0, again.stderr);
      assert.deepEqual(merged(out), before);

      // What a merger killed mid-merge leaves: the claim in Redis and no merge record. The
      // status names the node and the command that finishes it; by hand it does.
      fs.rmSync(path.join(out, 'merge.json'));
      const claimed = status(dir, out, redis.url);
      assert.equal(claimed.merge.state, 'claimed');
      assert.ok(status(dir, out, redis.url, false).includes(`merge: claimed by ${merger}, not done yet (if that node has ended, cowloop merge --job ${out} finishes it)`));
      const finish = cowloop(['merge', '--job', out], dir);
      assert.equal(finish.status, 0, finish.stderr);
      assert.deepEqual(merged(out), before);
      assert.equal(status(dir, out, redis.url).merge.state, 'done');
    } finally {
      for (const n of started) n.child.kill('SIGKILL');
      await Promise.all(started.map((n) => n.done));
      await redis.stop();
    }
  });
});

test('a merge that fails ends its node with the merge\'s own error and exit code, nothing written at the outputs', { skip, timeout: 120000 }, async () => {
  await withDir(async (dir) => {
    const redis = await startRedis(dir);
    const started = [];
    try {
      const set = recoJob(dir, { events: 100 });
      // Held at event 55 while a range already in place is damaged: the merge must refuse it.
      const opts = gatedOpts(dir, 55);
      const out = path.join(dir, 'job');
      submit(dir, opts, redis.url, out, set);
      const node = mergingNode(dir, opts, redis.url, out, set);
      started.push(node);
      const manifest = path.join(out, 'ranges', '0-9', 'manifest.json');
      await until('range [0, 10) in place and event 55 held', () => fs.existsSync(manifest) && fs.existsSync(path.join(dir, 'reached')));
      fs.appendFileSync(path.join(out, 'ranges', '0-9', 'reco.ndjson'), '{"event":0}\n');
      fs.writeFileSync(path.join(dir, 'go'), '');

      const r = await node.done;
      assert.equal(r.status, 3, r.stderr);
      assert.match(r.stderr, /this node \(\S+\) merges it/);
      assert.match(r.stderr, /cannot merge the job in [\s\S]*its output reco\.ndjson changed since the shard wrote it[\s\S]*\[ERR_COWLOOP_SHARD_MERGE_REFUSED\]/);
      // The remedy for a queued job is the queue's, not a shard rerun.
      assert.match(r.stderr, /the job is queued in Redis: run cowloop work <options> --redis redis:\/\/\S+ --out DIR until every range is done/);
      for (const name of [...OUTPUTS, 'merge.json']) assert.ok(!fs.existsSync(path.join(out, name)), `${name} was written`);
      assert.equal(status(dir, out, redis.url).merge.state, 'claimed');
    } finally {
      for (const n of started) n.child.kill('SIGKILL');
      await Promise.all(started.map((n) => n.done));
      await redis.stop();
    }
  });
});
