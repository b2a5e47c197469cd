// The two Slurm batch scripts of a sharded job: an array job whose task k runs shard k
// (`cowloop run ... --shard $SLURM_ARRAY_TASK_ID/N`), and a merge job submitted with
// --dependency=afterok:<array job> (`cowloop merge --job <out>`). Nothing here is
// Slurm-only but the #SBATCH lines: another batch system runs the same two commands.
import { shellLine, shellWord } from '../shell.js';

export interface SlurmJobSpec {
  name: string;
  out: string;
  /** The directory the commands run in (relative paths in the options resolve from it). */
  cwd: string;
  /** The command that runs cowloop on the nodes (node and bin/cowloop.js, absolute). */
  cowloop: string[];
  optionsFile: string;
  runArgs: string[];
  shards: number;
  /** The shards this array runs (all of them, or those a resubmission redoes). */
  tasks: number[];
  workersPerShard: number;
  /** --mem per array task, as sbatch reads it ("2048M", "4G"). */
  mem?: string;
  memExplanation: string;
  partition?: string;
  time?: string;
  account?: string;
  sbatchArgs: string[];
  setup: string[];
}

/** `0-3`, or `1,3,5-7` for a resubmission. */
export function arraySpec(tasks: readonly number[]): string {
  const parts: string[] = [];
  const sorted = [...tasks].sort((a, b) => a - b);
  for (let k = 0; k < sorted.length; ) {
    let j = k;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j === k ? `${sorted[k]}` : `${sorted[k]}-${sorted[j]}`);
    k = j + 1;
  }
  return parts.join(',');
}

function common(spec: SlurmJobSpec): string[] {
  return [
    ...(spec.partition ? [`#SBATCH --partition=${shellWord(spec.partition)}`] : []),
    ...(spec.time ? [`#SBATCH --time=${shellWord(spec.time)}`] : []),
    ...(spec.account ? [`#SBATCH --account=${shellWord(spec.account)}`] : []),
    ...spec.sbatchArgs.map((a) => `#SBATCH ${a}`),
  ];
}

export function shardScript(spec: SlurmJobSpec, logDir: string): string {
  const run = [...spec.cowloop, 'run', spec.optionsFile, ...spec.runArgs, '--workers', String(spec.workersPerShard), '--out', spec.out, '--progress', 'plain'];
  return [
    '#!/bin/bash',
    `# ${spec.name}: shard $SLURM_ARRAY_TASK_ID of ${spec.shards}, ${spec.workersPerShard} forked worker${spec.workersPerShard === 1 ? '' : 's'} on one node (written by cowloop submit slurm)`,
    `#SBATCH --job-name=${shellWord(spec.name)}`,
    `#SBATCH --array=${arraySpec(spec.tasks)}`,
    '#SBATCH --nodes=1',
    '#SBATCH --ntasks=1',
    `#SBATCH --cpus-per-task=${Math.max(1, spec.workersPerShard)}`,
    ...(spec.mem !== undefined ? [`#SBATCH --mem=${shellWord(spec.mem)}`] : []),
    `#SBATCH --output=${shellWord(`${logDir}/shard-%a.%A.out`)}`,
    ...common(spec),
    `# memory: ${spec.memExplanation}`,
    ...spec.setup,
    `cd ${shellWord(spec.cwd)} || exit 1`,
    // No exec: the exit status is looked at below.
    `${shellLine(run)} --shard "$SLURM_ARRAY_TASK_ID/${spec.shards}"`,
    'rc=$?',
    '# 4: the shard is whole but some events failed (its manifest counts them): the merge may go on.',
    'if [ "$rc" = 4 ]; then rc=0; fi',
    'exit "$rc"',
    '',
  ].join('\n');
}

export function mergeScript(spec: SlurmJobSpec, logDir: string): string {
  return [
    '#!/bin/bash',
    `# ${spec.name}: merges the ${spec.shards} shards into ${spec.out} once every array task has succeeded`,
    '# (submitted with --dependency=afterok:<array job id>; written by cowloop submit slurm)',
    `#SBATCH --job-name=${shellWord(`${spec.name}-merge`)}`,
    '#SBATCH --nodes=1',
    '#SBATCH --ntasks=1',
    '#SBATCH --cpus-per-task=1',
    `#SBATCH --output=${shellWord(`${logDir}/merge.%j.out`)}`,
    ...common(spec),
    '# memory: the partition\'s default; records are merged streaming, histograms are summed in memory',
    ...spec.setup,
    `cd ${shellWord(spec.cwd)} || exit 1`,
    `exec ${shellLine([...spec.cowloop, 'merge', '--job', spec.out])}`,
    '',
  ].join('\n');
}
