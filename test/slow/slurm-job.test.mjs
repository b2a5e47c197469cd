// The reco example over a real single-node Slurm: submitted as an array of shards and a
// merge job after it, it writes the serial run's bytes; a cancelled task keeps the merge
// job from running, the status names its shard and --resume completes the job; a merge
// job over a foreign shard fails and leaves the outputs as they were.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cowloop, gatedOpts, recoJob, recoOpts, sameOutputs } from '../helpers/shard-job.mjs';
import { cancelJobs, jobLines, jobState, sbatch, useSlurm, waitFor } from '../helpers/slurm.mjs';
import { withDir } from '../helpers/tmp.mjs';

const slurm = useSlurm();
const skip = slurm.skip ?? false;
const env = slurm.env;

function ok(r) {
  assert.equal(r.status, 0, r.stderr + r.stdout);
  return r;
}

function submitted(r) {
  const m = /submitted array job (\d+) \(.*\) and merge job (\d+)/.exec(r.stdout);
  assert.ok(m, r.stdout);
  return { array: m[1], merge: m[2] };
}

const ENDED = /^(COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY)$/;

test('4 array tasks of 2 workers, then the merge job: the serial run\'s bytes', { skip }, () =>
  withDir(async (dir) => {
    const job = recoJob(dir, { events: 400 });
    ok(cowloop(['run', recoOpts, ...job, '--out', 'serial', '-q'], dir, env));
    const ids = submitted(ok(cowloop(['submit', 'slurm', recoOpts, ...job, '--shards', '4', '--workers-per-shard', '2', '--out', 'job'], dir, env)));
    try {
      const state = await waitFor('the merge job to end', () => {
        const s = jobState(ids.merge, env);
        return s && ENDED.test(s) ? s : undefined;
      });
      assert.equal(state, 'COMPLETED', fs.readdirSync(path.join(dir, 'job', 'slurm', 'logs')).join(' '));
      sameOutputs(assert, path.join(dir, 'job'), path.join(dir, 'serial'));
      const tasks = jobLines(ids.array, env);
      assert.deepEqual(tasks.map((t) => [t.ArrayTaskId, t.JobState]).sort(), [['0', 'COMPLETED'], ['1', 'COMPLETED'], ['2', 'COMPLETED'], ['3', 'COMPLETED']]);
      const status = JSON.parse(ok(cowloop(['status', 'job', '--json'], dir, env)).stdout);
      assert.deepEqual(status.shards.map((s) => [s.state, s.processed, s.slurm?.state]), Array(4).fill(['done', 100, 'COMPLETED']));
      assert.equal(status.merge.state, 'done');

      // A merge over a shard of another options file fails, and the outputs stay as they were.
      const before = fs.readFileSync(path.join(dir, 'job', 'reco.ndjson'));
      fs.writeFileSync(path.join(dir, 'go'), '');
      ok(cowloop(['run', gatedOpts(dir, -1), ...job, '--out', 'job', '-q', '--shard', '1/4'], dir, env));
      const merge = sbatch([path.join(dir, 'job', 'slurm', 'merge.sbatch')], env);
      const ended = await waitFor('the second merge job to end', () => {
        const s = jobState(merge, env);
        return s && ENDED.test(s) ? s : undefined;
      });
      assert.equal(ended, 'FAILED');
      const log = fs.readFileSync(path.join(dir, 'job', 'slurm', 'logs', `merge.${merge}.out`), 'utf8');
      assert.match(log, /cannot merge the job .* nothing was written at its output paths:\n {2}shard 1: mismatched \(its options differ .*gated\.opts\)\)/);
      assert.ok(fs.readFileSync(path.join(dir, 'job', 'reco.ndjson')).equals(before));
    } finally {
      cancelJobs([ids.array, ids.merge], env);
    }
  }));

test('a task cancelled mid-run: no merge, the status names the shard, --resume completes the job', { skip }, () =>
  withDir(async (dir) => {
    const job = recoJob(dir, { events: 400 });
    ok(cowloop(['run', recoOpts, ...job, '--out', 'serial', '-q'], dir, env));
    // Event 250 is in shard 2 ([200, 300)); it waits there until the test says go.
    const opts = gatedOpts(dir, 250);
    const first = submitted(ok(cowloop(['submit', 'slurm', opts, ...job, '--shards', '4', '--workers-per-shard', '2', '--out', 'job'], dir, env)));
    const ids = [first.array, first.merge];
    try {
      await waitFor('shard 2 to reach the held event', () => fs.existsSync(path.join(dir, 'reached')));
      assert.equal(jobLines(first.array, env).find((t) => t.ArrayTaskId === '2')?.JobState, 'RUNNING');
      cancelJobs([`${first.array}_2`], env);
      // The other tasks end; the merge job is left waiting on a dependency that cannot be met.
      await waitFor('tasks 0, 1 and 3 to complete, 2 cancelled', () => {
        const states = Object.fromEntries(jobLines(first.array, env).map((t) => [t.ArrayTaskId, t.JobState]));
        return states[0] === 'COMPLETED' && states[1] === 'COMPLETED' && states[3] === 'COMPLETED' && states[2] === 'CANCELLED';
      });
      const merge = await waitFor('the merge job to be held back', () => jobLines(first.merge, env).find((t) => t.Reason === 'DependencyNeverSatisfied'));
      assert.equal(merge.JobState, 'PENDING');
      assert.ok(!fs.existsSync(path.join(dir, 'job', 'reco.ndjson')), 'no merged output');
      assert.ok(!fs.existsSync(path.join(dir, 'job', 'shards', '2')), 'no shard 2');

      const text = ok(cowloop(['status', 'job'], dir, env)).stdout;
      assert.match(text, /\n2 +failed .*_2 CANCELLED.*its Slurm task ended CANCELLED/);
      assert.match(text, /merge: pending \(job \d+, DependencyNeverSatisfied\)/);

      fs.writeFileSync(path.join(dir, 'go'), '');
      const resumed = ok(cowloop(['submit', '--resume', 'job'], dir, env));
      const m = /resubmitted shard 2 as array job (\d+), merge job (\d+) \(earlier merge job (\d+) cancelled\)/.exec(resumed.stdout);
      assert.ok(m, resumed.stdout);
      ids.push(m[1], m[2]);
      assert.equal(m[3], first.merge);
      const state = await waitFor('the new merge job to end', () => {
        const s = jobState(m[2], env);
        return s && ENDED.test(s) ? s : undefined;
      });
      assert.equal(state, 'COMPLETED');
      sameOutputs(assert, path.join(dir, 'job'), path.join(dir, 'serial'));
      const status = JSON.parse(ok(cowloop(['status', 'job', '--json'], dir, env)).stdout);
      assert.deepEqual(status.shards.map((s) => s.state), ['done', 'done', 'done', 'done']);
      assert.equal(status.shards[2].slurm.id, `${m[1]}_2`);
    } finally {
      fs.writeFileSync(path.join(dir, 'go'), '');
      cancelJobs(ids, env);
    }
  }));
