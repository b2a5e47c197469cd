// Submitting a sharded job to Slurm, first time or again (--resume): write the two batch
// scripts under <out>/slurm/, sbatch the array, sbatch the merge after it, and record the
// job ids in <out>/slurm/jobs.json for the status and later resubmissions.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readJson, writeJsonAtomically } from '../../shard/manifest.js';
import { sbatch } from './commands.js';
import { arraySpec, mergeScript, shardScript, type SlurmJobSpec } from './scripts.js';

export interface SlurmSubmission {
  /** 0 for the first submission, then 1, 2... for each --resume. */
  n: number;
  tasks: number[];
  arrayJobId?: string;
  mergeJobId: string;
  shardScript?: string;
  mergeScript: string;
  submitted: string;
}

/** The Slurm flags of the first submission, which a resubmission reuses unless told otherwise. */
export interface SlurmSettings {
  partition?: string;
  time?: string;
  account?: string;
  sbatchArgs: string[];
  setup: string[];
}

export interface SlurmJobsRecord {
  settings?: SlurmSettings;
  submissions: SlurmSubmission[];
}

export function slurmDir(out: string): string {
  return path.join(out, 'slurm');
}

export function readSlurmRecord(out: string): SlurmJobsRecord {
  return readJson<SlurmJobsRecord>(path.join(slurmDir(out), 'jobs.json')) ?? { submissions: [] };
}

export interface PlannedSubmission {
  n: number;
  tasks: number[];
  scripts: Array<{ file: string; text: string }>;
  /** The sbatch command lines, for --dry-run. */
  commands: string[];
}

/** The scripts and sbatch lines of submission `n` (none written yet). */
export function planSubmission(spec: SlurmJobSpec, n: number): PlannedSubmission {
  const dir = slurmDir(spec.out);
  const logs = path.join(dir, 'logs');
  const suffix = n === 0 ? '' : `-resume${n}`;
  const scripts: Array<{ file: string; text: string }> = [];
  const commands: string[] = [];
  if (spec.tasks.length > 0) {
    const file = path.join(dir, `shards${suffix}.sbatch`);
    scripts.push({ file, text: shardScript(spec, logs) });
    commands.push(`sbatch --parsable ${file}    # array job, tasks ${arraySpec(spec.tasks)}`);
  }
  const merge = path.join(dir, `merge${suffix}.sbatch`);
  scripts.push({ file: merge, text: mergeScript(spec, logs) });
  commands.push(spec.tasks.length > 0 ? `sbatch --parsable --dependency=afterok:<array job id> ${merge}` : `sbatch --parsable ${merge}    # every shard is already whole`);
  return { n, tasks: spec.tasks, scripts, commands };
}

/** Writes the scripts, submits them and records the ids; returns the recorded submission. */
export function submit(out: string, plan: PlannedSubmission, settings: SlurmSettings): SlurmSubmission {
  fs.mkdirSync(path.join(slurmDir(out), 'logs'), { recursive: true });
  for (const s of plan.scripts) fs.writeFileSync(s.file, s.text, { mode: 0o755 });
  const shard = plan.tasks.length > 0 ? plan.scripts[0]!.file : undefined;
  const merge = plan.scripts[plan.scripts.length - 1]!.file;
  const arrayJobId = shard ? sbatch(shard) : undefined;
  const mergeJobId = sbatch(merge, arrayJobId ? [`--dependency=afterok:${arrayJobId}`] : []);
  const submission: SlurmSubmission = {
    n: plan.n,
    tasks: plan.tasks,
    ...(arrayJobId ? { arrayJobId, shardScript: shard } : {}),
    mergeJobId,
    mergeScript: merge,
    submitted: new Date().toISOString(),
  };
  const record = readSlurmRecord(out);
  record.settings ??= settings;
  record.submissions.push(submission);
  writeJsonAtomically(path.join(slurmDir(out), 'jobs.json'), record);
  return submission;
}
