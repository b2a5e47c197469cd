// The Slurm commands cowloop calls: sbatch to submit, scontrol to read job states, scancel
// to withdraw a merge job whose dependency can no longer be met. Each runs with a time
// limit and its failure becomes an error naming the command and what it printed.
import { execFileSync } from 'node:child_process';
import { CowloopError, ErrorCodes } from '../../errors.js';

const TIMEOUT_MS = 60_000;

function slurm(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', timeout: TIMEOUT_MS, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string; status?: number };
    const why = e.code === 'ENOENT' ? `${command} is not installed here (is this a Slurm login node? module load slurm?)` : (e.stderr ?? '').trim() || e.message;
    throw new CowloopError(ErrorCodes.ERR_COWLOOP_BATCH_SUBMIT, `${command} ${args.join(' ')} failed: ${why}`, { cause: error });
  }
}

/** Submits `script` with `sbatch --parsable` (plus `extra` flags); returns the job id. */
export function sbatch(script: string, extra: string[] = []): string {
  const out = slurm('sbatch', ['--parsable', ...extra, script]).trim();
  const id = out.split(';')[0] ?? '';
  if (!/^\d+$/.test(id)) throw new CowloopError(ErrorCodes.ERR_COWLOOP_BATCH_SUBMIT, `sbatch printed ${JSON.stringify(out)}, not a job id`);
  return id;
}

export function scancel(ids: string[]): void {
  if (ids.length) slurm('scancel', ids);
}

export interface SlurmTaskState {
  jobId: string;
  /** The array task, undefined for a job that is no array (the merge). */
  task?: number;
  state: string;
  reason: string;
  node: string;
  runTime: string;
}

/** Expands `2-3`, `1,4-6`, `0-7%2` (a throttle) into task numbers. */
export function expandTaskIds(text: string): number[] {
  const out: number[] = [];
  for (const part of text.replace(/%\d+$/, '').split(',')) {
    const m = /^(\d+)(?:-(\d+))?(?::(\d+))?$/.exec(part);
    if (!m) continue;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    const step = m[3] === undefined ? 1 : Number(m[3]);
    for (let k = a; k <= b; k += step) out.push(k);
  }
  return out;
}

/** The tasks of one `scontrol -o show job` line (a pending array's line stands for several). */
export function parseScontrolLine(line: string): SlurmTaskState[] {
  const field = (name: string): string => new RegExp(`(?:^| )${name}=(\\S*)`).exec(line)?.[1] ?? '';
  const jobId = field('ArrayJobId') || field('JobId');
  const base = {
    jobId,
    state: field('JobState'),
    reason: field('Reason'),
    node: field('NodeList') === '(null)' ? '' : field('NodeList'),
    runTime: field('RunTime'),
  };
  const tasks = field('ArrayTaskId');
  if (!tasks) return [base];
  return expandTaskIds(tasks).map((task) => ({ ...base, task }));
}

/**
 * What Slurm knows of these jobs; jobs it has forgotten (older than MinJobAge) or that
 * it cannot be asked about (no Slurm here) are simply absent.
 */
export function jobStates(ids: readonly string[]): { states: SlurmTaskState[]; unreachable?: string } {
  const states: SlurmTaskState[] = [];
  let unreachable: string | undefined;
  for (const id of ids) {
    try {
      const out = execFileSync('scontrol', ['-o', 'show', 'job', id], { encoding: 'utf8', timeout: TIMEOUT_MS, stdio: ['ignore', 'pipe', 'pipe'] });
      for (const line of out.split('\n')) if (line.trim()) states.push(...parseScontrolLine(line));
    } catch (error) {
      const e = error as NodeJS.ErrnoException & { stderr?: string };
      if (/Invalid job id/i.test(e.stderr ?? '')) continue;
      unreachable = e.code === 'ENOENT' ? 'scontrol is not installed here' : ((e.stderr ?? '').trim() || e.message);
    }
  }
  return { states, ...(unreachable ? { unreachable } : {}) };
}
