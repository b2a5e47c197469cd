// ParallelJobProcessor: runs the jobs of submitted JobGroups in forked workers and gives
// back their results in submission order.
//
// Worker sets: the workers that run a submission are forked at the first clean point
// after submit() (the same turn of the event loop), so every closure and every value the
// jobs refer to is in their memory as it was at that moment. Groups submitted in the same
// turn share one worker set. When a set has nothing left to run its workers are stopped,
// unless `reuseWorkers` is set: then a later submission whose work functions all existed
// at the set's fork runs in the same workers, with its arguments serialised (the
// functions' captured state is that of the earlier fork).
import os from 'node:os';
import { CowloopError, ErrorCodes, invalidArgument } from '../errors.js';
import { isCloneable } from '../process/wire.js';
import { holdParentState } from './parent-state.js';
import { checkSeconds, JobGroup, type Job } from './job.js';
import { jobError, JobsFailedError, type JobOutcome } from './job-errors.js';
import { defaultJobLogger, type JobLogger } from './log.js';
import { WorkerSet, type Run, type RunFailure } from './worker-set.js';

export interface ParallelJobProcessorOptions {
  /** Most workers forked for one submission (default: os.availableParallelism()). */
  workers?: number;
  /** Keep idle workers for later submissions of the same work functions (default false). */
  reuseWorkers?: boolean;
  /** Seconds between SIGTERM and SIGKILL when a stuck worker is stopped (default 1). */
  killGrace?: number;
  /** Receives per-job events: submitted, started, finished, failed (default: NODE_DEBUG=cowloop). */
  logger?: JobLogger;
  /** Kinds of pending async work workers may inherit (see fork()). */
  allowActiveResources?: string[];
  /** Signal workers get if this process dies (default SIGKILL). */
  deathSignal?: NodeJS.Signals | 0;
}

interface FilledOptions {
  workers: number;
  reuseWorkers: boolean;
  killGraceMs: number;
  logger: JobLogger;
  allowActiveResources: string[];
  deathSignal: NodeJS.Signals | 0 | undefined;
}

export interface GetResultsOptions {
  /** Resolve with every job's outcome instead of rejecting when a job failed. */
  settled?: boolean;
}

export interface CloseOptions {
  /** Kill running jobs and cancel queued ones instead of letting them finish. */
  force?: boolean;
}

interface GroupRun {
  group: JobGroup;
  set: WorkerSet;
  ids: number[];
  outcomes: Array<JobOutcome | undefined>;
  remaining: number;
  done: Promise<void>;
  finish: () => void;
  timer: NodeJS.Timeout | undefined;
}

export class ParallelJobProcessor {
  #options: FilledOptions;
  #sets: WorkerSet[] = [];
  #retiring = new Set<Promise<void>>();
  #uncollected: GroupRun[] = [];
  #active = new Set<GroupRun>();
  #nextId = 1;
  #closed = false;
  #closing: Promise<void> | undefined;
  #release: () => void;

  constructor(options: ParallelJobProcessorOptions = {}) {
    this.#options = fillOptions(options);
    this.#release = holdParentState(this);
  }

  /** The most workers one submission forks. */
  get workers(): number {
    return this.#options.workers;
  }

  /** Pids of the live workers (for monitoring; empty when idle and not reusing). */
  get pids(): number[] {
    return this.#sets.flatMap((s) => s.pids());
  }

  /**
   * Queues the group's jobs. Workers are forked at the next clean point, with the
   * process's memory as it is then. Returns this, for chaining.
   */
  submit(group: JobGroup): this {
    if (!(group instanceof JobGroup)) throw invalidArgument('submit(group)', 'a JobGroup', group);
    if (this.#closed) {
      throw new CowloopError(ErrorCodes.ERR_COWLOOP_CLOSED, `cannot submit job group "${group.name}": the ParallelJobProcessor is closed`);
    }
    const set = this.#setFor(group);
    let finish!: () => void;
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const g: GroupRun = { group, set, ids: [], outcomes: group.jobs.map(() => undefined), remaining: group.jobs.length, done, finish, timer: undefined };
    this.#uncollected.push(g);
    this.#active.add(g);
    if (group.jobs.length === 0) this.#groupDone(g);
    if (group.timeout !== undefined) {
      g.timer = setTimeout(() => this.#groupTimedOut(g), group.timeout * 1000);
      g.timer.unref(); // see WorkerSet: a ref'd timer would refuse replacement forks
    }
    const runs = group.jobs.map((job, position) => this.#makeRun(g, job, position));
    for (const run of runs) set.enqueue(run);
    return this;
  }

  /**
   * Waits for every group submitted since the last call and resolves with their results
   * in submission order. Rejects with a JobsFailedError (code ERR_COWLOOP_JOBS_FAILED)
   * naming every failed job, unless `{ settled: true }` asks for the outcomes instead.
   */
  getResults(options?: { settled?: false }): Promise<unknown[]>;
  getResults(options: { settled: true }): Promise<JobOutcome[]>;
  async getResults(options: GetResultsOptions = {}): Promise<unknown[] | JobOutcome[]> {
    const groups = this.#uncollected.splice(0);
    await Promise.all(groups.map((g) => g.done));
    await this.#quiesce();
    const outcomes = groups.flatMap((g) => g.outcomes as JobOutcome[]);
    if (options.settled) return outcomes;
    if (outcomes.some((o) => o.status === 'rejected')) throw new JobsFailedError(outcomes);
    return outcomes.map((o) => o.value);
  }

  /**
   * Lets submitted jobs finish (or, with `force`, kills them and cancels the rest), then
   * stops every worker and waits until all are reaped. Further submissions are refused.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.#closed = true;
    if (options.force) {
      // A forced close overrides a graceful one still waiting.
      const reason = 'the ParallelJobProcessor was closed with { force: true }';
      const stops = this.#sets.map((s) => s.stop(true, reason));
      this.#closing = Promise.all([this.#closing, ...stops]).then(() => this.#finishClose());
      return this.#closing;
    }
    this.#closing ??= (async () => {
      await Promise.all([...this.#active].map((g) => g.done));
      await Promise.all(this.#sets.map((s) => s.stop(false, 'the ParallelJobProcessor was closed')));
      await this.#finishClose();
    })();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** @internal In a forked child: the parent's workers, groups and timers are not ours. */
  dropInChild(): void {
    for (const g of this.#active) clearTimeout(g.timer);
    for (const s of this.#sets) s.dropInChild();
    this.#sets = [];
    this.#active.clear();
    this.#uncollected = [];
    this.#retiring.clear();
    this.#closed = true;
  }

  async #finishClose(): Promise<void> {
    await this.#quiesce();
    this.#sets = [];
    this.#release();
  }

  async #quiesce(): Promise<void> {
    while (this.#retiring.size > 0) await Promise.all([...this.#retiring]);
    await Promise.all(this.#sets.map((s) => s.settled()));
  }

  #setFor(group: JobGroup): WorkerSet {
    const open = this.#sets.find((s) => s.open);
    if (open) return open;
    if (this.#options.reuseWorkers) {
      const known = this.#sets.find((s) => !s.stopped && group.jobs.every((j) => s.knows(j.workFunction) !== undefined));
      if (known && group.jobs.every((j) => isCloneable(j.workFunctionArgs))) return known;
    }
    for (const idle of this.#sets.filter((s) => s.idle)) this.#retire(idle);
    const set: WorkerSet = new WorkerSet({
      size: this.#options.workers,
      graceMs: this.#options.killGraceMs,
      title: 'cowloop: job worker',
      allowActiveResources: this.#options.allowActiveResources,
      deathSignal: this.#options.deathSignal,
      onIdle: () => {
        if (!this.#options.reuseWorkers) this.#retire(set);
      },
    });
    this.#sets.push(set);
    return set;
  }

  #retire(set: WorkerSet): void {
    const i = this.#sets.indexOf(set);
    if (i < 0) return;
    this.#sets.splice(i, 1);
    const stopping = set.stop(false, 'its worker set was retired').finally(() => this.#retiring.delete(stopping));
    this.#retiring.add(stopping);
  }

  #makeRun(g: GroupRun, job: Job, position: number): Run {
    const { set, group } = g;
    const id = this.#nextId++;
    g.ids.push(id);
    const label = `job "${job.name}" of group "${group.name}"`;
    let message: Run['message'];
    if (set.open) {
      const slot = set.table.runs.push({ fn: job.workFunction, args: job.workFunctionArgs, label }) - 1;
      if (set.knows(job.workFunction) === undefined) set.table.fns.push(job.workFunction);
      message = { k: 'run', id, slot };
    } else {
      message = { k: 'call', id, fn: set.knows(job.workFunction)!, args: job.workFunctionArgs, label };
    }
    const log = this.#options.logger;
    const names = { group: group.name, job: job.name };
    log({ kind: 'submitted', ...names, time: Date.now() });
    const settle = (outcome: JobOutcome) => {
      if (g.outcomes[position] !== undefined) return;
      g.outcomes[position] = outcome;
      if (--g.remaining === 0) this.#groupDone(g);
    };
    return {
      id,
      message,
      timeoutMs: job.workFunctionTimeout === undefined ? undefined : job.workFunctionTimeout * 1000,
      onStart: (pid) => log({ kind: 'started', ...names, pid, time: Date.now() }),
      onDone: (value, pid, ms) => {
        log({ kind: 'finished', ...names, pid, time: Date.now(), durationMs: ms });
        settle({ ...names, status: 'fulfilled', value, pid, durationMs: ms });
      },
      onFail: (failure: RunFailure) => {
        const error = jobError(group.name, job.name, { job: job.workFunctionTimeout, group: group.timeout }, failure);
        const pid = 'pid' in failure ? failure.pid : undefined;
        const ms = failure.kind === 'error' ? failure.ms : undefined;
        log({ kind: 'failed', ...names, pid, time: Date.now(), durationMs: ms, error });
        const outcome: JobOutcome = { ...names, status: 'rejected', error };
        if (pid !== undefined) outcome.pid = pid;
        if (ms !== undefined) outcome.durationMs = ms;
        settle(outcome);
      },
    };
  }

  #groupDone(g: GroupRun): void {
    clearTimeout(g.timer);
    this.#active.delete(g);
    g.finish();
  }

  #groupTimedOut(g: GroupRun): void {
    g.timer = undefined;
    g.ids.forEach((id, position) => {
      if (g.outcomes[position] === undefined) g.set.cancel(id, (pid) => ({ kind: 'group-timeout', pid }));
    });
  }
}


function fillOptions(options: ParallelJobProcessorOptions): FilledOptions {
  if (options === null || typeof options !== 'object') throw invalidArgument('ParallelJobProcessor options', 'an object', options);
  const { workers = os.availableParallelism(), reuseWorkers = false, killGrace = 1, logger = defaultJobLogger } = options;
  if (!Number.isInteger(workers) || workers < 1) throw invalidArgument('options.workers', 'a positive integer', workers);
  if (typeof reuseWorkers !== 'boolean') throw invalidArgument('options.reuseWorkers', 'a boolean', reuseWorkers);
  checkSeconds('options.killGrace', killGrace);
  if (typeof logger !== 'function') throw invalidArgument('options.logger', 'a function', logger);
  const allow = options.allowActiveResources ?? [];
  if (!Array.isArray(allow)) throw invalidArgument('options.allowActiveResources', 'an array of resource kinds', allow);
  return { workers, reuseWorkers, killGraceMs: killGrace * 1000, logger, allowActiveResources: [...allow], deathSignal: options.deathSignal };
}
