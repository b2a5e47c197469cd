// Errors of jobs: each names its job and group, keeps the worker's error as `cause`, and
// shows the worker's stack frames as its own (the parent's frames say nothing useful).
import { codeOf, CowloopError, ErrorCodes, type ErrorCode } from '../errors.js';
import { describeExit } from '../supervise/child.js';
import type { RunFailure } from './worker-decision.js';

export interface JobOutcome<R = unknown> {
  group: string;
  job: string;
  status: 'fulfilled' | 'rejected';
  value?: R;
  error?: JobError;
  /** Worker that ran (or last ran) the job. */
  pid?: number;
  /** Time spent in the work function, in ms, as measured by the worker. */
  durationMs?: number;
}

export class JobError extends CowloopError {
  readonly group: string;
  readonly job: string;
  readonly pid: number | undefined;

  constructor(code: ErrorCode, message: string, where: { group: string; job: string; pid: number | undefined }, cause?: Error) {
    super(code, message, cause ? { cause } : undefined);
    this.name = 'JobError';
    this.group = where.group;
    this.job = where.job;
    this.pid = where.pid;
    // The parent's frames (a timer, a channel callback) say nothing; the worker's do.
    this.stack = `${this.name} [${code}]: ${message}` + (cause?.stack ? `\n${workerFrames(cause.stack)}` : '');
  }
}

/** The "    at ..." lines of a stack, or the whole stack indented when it has none. */
function workerFrames(stack: string): string {
  const frames = stack.split('\n').filter((line) => /^\s+at /.test(line));
  return frames.length > 0 ? frames.join('\n') : stack.replace(/^/gm, '    ');
}

export function jobError(group: string, job: string, seconds: { job?: number | undefined; group?: number | undefined }, failure: RunFailure): JobError {
  const id = `job "${job}" of group "${group}"`;
  switch (failure.kind) {
    case 'error': {
      const e = failure.error;
      const where = { group, job, pid: failure.pid };
      if ((e as { code?: string }).code === ErrorCodes.ERR_COWLOOP_RESULT_NOT_SERIALIZABLE) {
        return new JobError(ErrorCodes.ERR_COWLOOP_RESULT_NOT_SERIALIZABLE, `${e.message} (worker ${failure.pid})`, where, e);
      }
      return new JobError(ErrorCodes.ERR_COWLOOP_JOB_FAILED, `${id} failed in worker ${failure.pid}: ${e.name}: ${e.message}`, where, e);
    }
    case 'timeout':
      return new JobError(
        ErrorCodes.ERR_COWLOOP_JOB_TIMEOUT,
        `${id} timed out after ${seconds.job} s in worker ${failure.pid}; the worker was killed`,
        { group, job, pid: failure.pid },
      );
    case 'died': {
      const detail = failure.error ? `: ${failure.error.name}: ${failure.error.message}` : '';
      return new JobError(
        ErrorCodes.ERR_COWLOOP_WORKER_DIED,
        `${id}: worker ${failure.pid} ${describeExit(failure.exit)} while running it${detail}`,
        { group, job, pid: failure.pid },
        failure.error,
      );
    }
    case 'cancelled':
      return new JobError(ErrorCodes.ERR_COWLOOP_JOB_CANCELLED, `${id} was cancelled: ${failure.reason}`, { group, job, pid: failure.pid });
    case 'group-timeout':
      return groupTimeoutError(group, job, seconds.group ?? 0, failure.pid);
    case 'fork':
      return new JobError(
        codeOf(failure.error, ErrorCodes.ERR_COWLOOP_FORK_FAILED),
        `${id} could not start: no worker could be forked: ${failure.error.message}`,
        { group, job, pid: undefined },
        failure.error,
      );
  }
}

export function groupTimeoutError(group: string, job: string, seconds: number, pid: number | undefined): JobError {
  const state = pid === undefined ? 'it never started' : `its worker ${pid} was killed`;
  return new JobError(
    ErrorCodes.ERR_COWLOOP_JOB_TIMEOUT,
    `job "${job}" of group "${group}" did not finish within the group's timeout of ${seconds} s; ${state}`,
    { group, job, pid },
  );
}

/** The error getResults() rejects with: every failed job, and every outcome. */
export class JobsFailedError extends CowloopError {
  readonly errors: JobError[];
  readonly outcomes: JobOutcome[];

  constructor(outcomes: JobOutcome[]) {
    const errors = outcomes.flatMap((o) => (o.error ? [o.error] : []));
    const groups = [...new Set(errors.map((e) => e.group))];
    const where = groups.length === 1 ? `job group "${groups[0]}"` : `job groups ${groups.map((g) => `"${g}"`).join(', ')}`;
    super(
      ErrorCodes.ERR_COWLOOP_JOBS_FAILED,
      `${errors.length} of ${outcomes.length} jobs failed in ${where}: ${errors.map((e) => e.message).join('; ')}`,
    );
    this.name = 'JobsFailedError';
    this.errors = errors;
    this.outcomes = outcomes;
    this.stack = [`${this.name} [${this.code}]: ${this.message}`, ...errors.map((e) => e.stack ?? e.message)].join('\n');
  }
}
