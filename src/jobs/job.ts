// Job and JobGroup: plain descriptions of work. Nothing here runs anything; the
// ParallelJobProcessor forks workers that see these objects in their copy of memory.
import { invalidArgument } from '../errors.js';

export type WorkFunction<A = unknown, R = unknown> = (args: A) => R | Promise<R>;

export interface JobOptions<A = unknown, R = unknown> {
  /** Names the job in logs, outcomes and errors. */
  name: string;
  /** Runs in a worker; receives workFunctionArgs as its single argument. */
  workFunction: WorkFunction<A, R>;
  /** The work function's argument (the seeds' keyword arguments, as one object). */
  workFunctionArgs?: A;
  /** Seconds the job may run, measured from when a worker takes it (default: no limit). */
  workFunctionTimeout?: number;
}

export class Job<A = unknown, R = unknown> {
  readonly name: string;
  readonly workFunction: WorkFunction<A, R>;
  readonly workFunctionArgs: A | undefined;
  readonly workFunctionTimeout: number | undefined;

  constructor(options: JobOptions<A, R>) {
    if (options === null || typeof options !== 'object') throw invalidArgument('Job options', 'an object', options);
    const { name, workFunction, workFunctionArgs, workFunctionTimeout } = options;
    if (typeof name !== 'string' || name.length === 0) throw invalidArgument('Job options.name', 'a non-empty string', name);
    if (typeof workFunction !== 'function') {
      throw invalidArgument(`Job "${name}" options.workFunction`, 'a function', workFunction);
    }
    checkSeconds(`Job "${name}" options.workFunctionTimeout`, workFunctionTimeout);
    this.name = name;
    this.workFunction = workFunction;
    this.workFunctionArgs = workFunctionArgs;
    this.workFunctionTimeout = workFunctionTimeout;
  }
}

export interface JobGroupOptions {
  name: string;
  jobs: readonly Job[];
  /** Seconds for the whole group, measured from its submission (default: no limit). */
  timeout?: number;
}

export class JobGroup {
  readonly name: string;
  readonly jobs: readonly Job[];
  readonly timeout: number | undefined;

  constructor(options: JobGroupOptions) {
    if (options === null || typeof options !== 'object') throw invalidArgument('JobGroup options', 'an object', options);
    const { name, jobs, timeout } = options;
    if (typeof name !== 'string' || name.length === 0) throw invalidArgument('JobGroup options.name', 'a non-empty string', name);
    if (!Array.isArray(jobs)) throw invalidArgument(`JobGroup "${name}" options.jobs`, 'an array of Job', jobs);
    jobs.forEach((job, i) => {
      if (!(job instanceof Job)) throw invalidArgument(`JobGroup "${name}" options.jobs[${i}]`, 'a Job', job);
    });
    checkSeconds(`JobGroup "${name}" options.timeout`, timeout);
    this.name = name;
    this.jobs = Object.freeze([...jobs]);
    this.timeout = timeout;
  }
}

/** Timeouts are seconds: positive and finite, or absent. */
export function checkSeconds(path: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw invalidArgument(path, 'a positive number of seconds', value);
  }
}
