// A sharded job's state as its files and Slurm tell it together: the manifests say which
// shards are whole; Slurm (where reachable) says which tasks are pending, running or
// ended without a shard, on which node and for how long.
import { readJob, type Expectation, type JobReport, type ShardState } from '../../shard/job-state.js';
import { jobStates, type SlurmTaskState } from './commands.js';
import { readSlurmRecord, type SlurmSubmission } from './submission.js';

export type StatusState = ShardState | 'pending';

export interface ShardStatus {
  index: number;
  state: StatusState;
  reasons: string[];
  events?: { first: number; end: number };
  processed?: number;
  failed?: number;
  host?: string;
  slurm?: { id: string; state: string; node: string; runTime: string; reason: string };
}

export interface JobStatus {
  out: string;
  count: number | undefined;
  shards: ShardStatus[];
  problems: string[];
  merge: { state: string; slurm?: { id: string; state: string; reason: string } ; merged?: boolean };
  /** Why Slurm could not be asked, when it could not. */
  slurmUnreachable?: string;
}

const ENDED_BADLY = new Set(['CANCELLED', 'FAILED', 'TIMEOUT', 'NODE_FAIL', 'OUT_OF_MEMORY', 'PREEMPTED', 'BOOT_FAIL', 'DEADLINE']);
const ACTIVE = new Set(['RUNNING', 'CONFIGURING', 'COMPLETING', 'SUSPENDED', 'STAGE_OUT', 'RESIZING', 'SIGNALING']);

/** The Slurm task of shard `index` from the latest submission that ran it. */
function taskOf(index: number, submissions: SlurmSubmission[], states: SlurmTaskState[]): SlurmTaskState | undefined {
  for (const s of [...submissions].reverse()) {
    if (!s.arrayJobId || !s.tasks.includes(index)) continue;
    return states.find((t) => t.jobId === s.arrayJobId && t.task === index);
  }
  return undefined;
}

export function jobStatus(out: string, expect: Expectation, merged: boolean, askSlurm = true): JobStatus {
  const report: JobReport = readJob(out, expect);
  const record = readSlurmRecord(out);
  const ids = record.submissions.flatMap((s) => [s.arrayJobId, s.mergeJobId]).filter((x): x is string => !!x);
  const { states, unreachable } = askSlurm && ids.length ? jobStates(ids) : { states: [] as SlurmTaskState[], unreachable: undefined };
  const shards: ShardStatus[] = report.shards.map((s) => {
    const task = taskOf(s.index, record.submissions, states);
    let state: StatusState = s.state;
    const reasons = [...s.reasons];
    if (s.state !== 'done' && s.state !== 'mismatched' && task) {
      if (task.state === 'PENDING') state = 'pending';
      else if (ACTIVE.has(task.state)) state = 'running';
      else if (ENDED_BADLY.has(task.state) || task.state === 'COMPLETED') {
        state = 'failed';
        reasons.unshift(task.state === 'COMPLETED' ? 'its Slurm task completed but left no whole shard' : `its Slurm task ended ${task.state}`);
      }
    }
    const m = s.manifest;
    return {
      index: s.index,
      state,
      reasons: state === 'running' || state === 'pending' ? [] : reasons,
      ...(m ? { events: m.events, processed: m.processed, failed: m.failed, host: m.host } : s.attempt ? { host: s.attempt.host } : {}),
      ...(task ? { slurm: { id: `${task.jobId}_${task.task}`, state: task.state, node: task.node, runTime: task.runTime, reason: task.reason } } : {}),
    };
  });
  const last = record.submissions[record.submissions.length - 1];
  const mergeTask = last ? states.find((t) => t.jobId === last.mergeJobId && t.task === undefined) : undefined;
  const mergeState = merged ? 'done' : mergeTask ? mergeTask.state.toLowerCase() : last ? 'unknown' : 'not submitted';
  return {
    out,
    count: report.count,
    shards,
    problems: report.problems,
    merge: { state: mergeState, ...(mergeTask ? { slurm: { id: mergeTask.jobId, state: mergeTask.state, reason: mergeTask.reason } } : {}), merged },
    ...(unreachable ? { slurmUnreachable: unreachable } : {}),
  };
}
