// `cowloop submit slurm --dry-run` and the submit command's refusals, without Slurm: the
// scripts it would submit (array of shards, merge after it, memory stated) and nothing
// written. The real submissions are in test/slow/slurm-job.test.mjs.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cowloop, recoJob, recoOpts } from './helpers/shard-job.mjs';
import { withDir } from './helpers/tmp.mjs';

test('--dry-run prints the array and merge scripts with the measured memory, and writes nothing', () =>
  withDir((dir) => {
    const job = recoJob(dir, { events: 50 });
    const r = cowloop(
      ['submit', 'slurm', recoOpts, ...job, '--shards', '5', '--workers-per-shard', '3', '--out', 'job', '--partition', 'short', '--time', '0:30:00',
        '--account', 'phys', '--sbatch-arg=--qos=low', '--setup', 'module load nodejs/20', '--dry-run'],
      dir,
    );
    assert.equal(r.status, 0, r.stderr);
    const out = r.stdout;
    assert.match(out, /# ----- .*job\/slurm\/shards\.sbatch\n#!\/bin\/bash\n/);
    assert.match(out, /#SBATCH --array=0-4\n/);
    assert.match(out, /#SBATCH --cpus-per-task=3\n/);
    assert.match(out, /#SBATCH --partition=short\n#SBATCH --time=0:30:00\n#SBATCH --account=phys\n#SBATCH --qos=low\n/);
    const mem = /#SBATCH --mem=(\d+)M\n/.exec(out);
    assert.ok(mem, out);
    const measured = /# memory: (\d+) MiB = the serial process with the job initialised \((\d+) MiB measured by cowloop submit\) x 1\.25 \+ 3 workers x 64 MiB private each/.exec(out);
    assert.ok(measured, out);
    assert.equal(measured[1], mem[1]);
    // The master with headroom plus the workers, not one serial process per worker.
    assert.ok(Math.abs(Number(mem[1]) - (Number(measured[2]) * 1.25 + 192)) <= 2, out);
    assert.ok(Number(measured[2]) > 20, 'the serial process was measured');
    assert.match(out, /module load nodejs\/20\n/);
    assert.match(out, /run .*reco\.opts --set RecoGeometrySvc\.StateMB=10 .* --workers 3 --out .*job --progress plain --shard "\$SLURM_ARRAY_TASK_ID\/5"\n/);
    assert.match(out, /# ----- .*job\/slurm\/merge\.sbatch\n/);
    assert.match(out, /exec .*cowloop\.js merge --job .*job\n/);
    assert.match(out, /sbatch --parsable .*shards\.sbatch {4}# array job, tasks 0-4\nsbatch --parsable --dependency=afterok:<array job id> .*merge\.sbatch\n/);
    assert.ok(!fs.existsSync(path.join(dir, 'job')), '--dry-run writes nothing');
  }));

test('--mem replaces the measured figure', () =>
  withDir((dir) => {
    const r = cowloop(['submit', 'slurm', recoOpts, ...recoJob(dir, { events: 10 }), '--shards', '2', '--out', 'job', '--mem', '6G', '--dry-run'], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /#SBATCH --mem=6G\n/);
    assert.match(r.stdout, /# memory: 6G as given \(--mem\)\n/);
    assert.match(r.stdout, /#SBATCH --cpus-per-task=2\n/, 'two workers per shard by default');
  }));

test('submit refusals name what is wrong', () =>
  withDir((dir) => {
    const cases = [
      [['submit', 'slurm', recoOpts, '--out', 'job', '--dry-run'], /--shards must be an integer >= 1 \(got ""\)/],
      [['submit', 'slurm', recoOpts, '--shards', '0', '--out', 'job', '--dry-run'], /--shards must be an integer >= 1 \(got "0"\)/],
      [['submit', 'slurm', recoOpts, '--shards', '2', '--dry-run'], /submit needs --out DIR/],
      [['submit', 'slurm', recoOpts, '--shards', '2', '--workers-per-shard', 'x', '--out', 'job', '--dry-run'], /--workers-per-shard must be an integer >= 1 \(got "x"\)/],
      [['submit', 'pbs', recoOpts, '--shards', '2', '--out', 'job'], /unknown batch system "pbs": cowloop submits to slurm, redis; for another, run `cowloop run <options> --shard i\/N --out DIR`/],
      [['submit'], /submit needs a batch system \(slurm, redis\) and an options file, or --resume DIR/],
      [['submit', 'slurm'], /submit slurm needs an options file/],
      [['submit', '--resume', 'job'], /job holds no submitted job \(no job\.json\)/],
      [['submit', 'slurm', recoOpts, '--resume', 'job'], /submit --resume DIR takes no options file/],
    ];
    for (const [args, pattern] of cases) {
      const r = cowloop(args, dir);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, pattern);
    }
    assert.ok(!fs.existsSync(path.join(dir, 'job')));
  }));
