// A set of forked job workers sharing one table: a queue of runs, a free worker takes the
// next run, per-run timeouts, and stuck or dead workers stopped and replaced by new forks.
// The children themselves (forking, deadlines, stopping, reaping) are a ChildSet's
// (src/supervise); what each message, exit or timeout means is decideWorker's.
import { fork } from '../process/fork.js';
import type { SupervisedChild } from '../supervise/child.js';
import type { ChildHandle } from '../supervise/child-handle.js';
import { ChildSet } from '../supervise/child-set.js';
import type { SupervisorClock } from '../supervise/clock.js';
import { decideWorker, type RunFailure, type WorkerEvent, type WorkerState } from './worker-decision.js';
import { isFromWorker, jobWorkerMain, type ToWorker, type WorkerTable } from './worker-loop.js';

export type { RunFailure };

export interface Run {
  readonly id: number;
  readonly message: Exclude<ToWorker, { k: 'stop' }>;
  readonly timeoutMs: number | undefined;
  onStart(pid: number): void;
  onDone(value: unknown, pid: number, ms: number): void;
  onFail(failure: RunFailure): void;
}

export type JobChild = SupervisedChild<void>;

export interface WorkerSetOptions {
  size: number;
  graceMs: number;
  title: string;
  allowActiveResources: string[];
  deathSignal: NodeJS.Signals | 0 | undefined;
  /** Called whenever a run settles and the set has nothing queued or running. */
  onIdle(): void;
  /** Forks a worker that serves the table (default: fork() of jobWorkerMain); tests hand in stand-ins. */
  spawn?: (table: WorkerTable) => Promise<JobChild>;
  clock?: SupervisorClock;
}

type Worker = ChildHandle<JobChild, WorkerState, Run>;

export class WorkerSet {
  readonly table: WorkerTable = { runs: [], fns: [] };
  #options: WorkerSetOptions;
  #children: ChildSet<JobChild, WorkerState, Run>;
  #queue: Run[] = [];
  #forked = false;
  #forkError: Error | undefined;
  #stopped = false;
  #waiters: Array<() => void> = [];

  constructor(options: WorkerSetOptions) {
    this.#options = options;
    const children: ChildSet<JobChild, WorkerState, Run> = new ChildSet({
      graceMs: options.graceMs,
      clock: options.clock,
      onMessage: (w, m) => {
        if (isFromWorker(m)) this.#on(w, { kind: 'message', message: m });
      },
      onExit: (w, exit) => this.#on(w, { kind: 'exit', exit, error: w.lastError }),
    });
    this.#children = children;
  }

  /** True until the first worker exists: entries added now are in every worker's memory. */
  get open(): boolean {
    return !this.#forked && !this.#stopped;
  }

  get idle(): boolean {
    return this.#queue.length === 0 && this.#children.count('busy') === 0;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Index of fn in this set's function table, if the workers know it. */
  knows(fn: unknown): number | undefined {
    const i = this.table.fns.findIndex((known) => known === fn);
    return i < 0 ? undefined : i;
  }

  pids(): number[] {
    return this.#children.pids();
  }

  enqueue(run: Run): void {
    this.#queue.push(run);
    this.#pump();
  }

  /** Fails one run wherever it is: dropped from the queue, or its worker killed. */
  cancel(id: number, failure: (pid: number | undefined) => RunFailure): void {
    const queued = this.#queue.findIndex((r) => r.id === id);
    if (queued >= 0) {
      const [run] = this.#queue.splice(queued, 1);
      run!.onFail(failure(undefined));
      this.#checkIdle();
      return;
    }
    for (const w of this.#children.handles) {
      if (w.state === 'busy' && w.work?.id === id) {
        const run = w.work;
        const pid = w.pid!;
        this.#kill(w);
        run.onFail(failure(pid));
        this.#checkIdle();
        this.#pump();
        return;
      }
    }
  }

  /** Resolves when every worker stopped so far has been reaped. */
  settled(): Promise<void> {
    return this.#children.settled();
  }

  /**
   * Stops every worker: idle ones are asked to leave; busy ones finish their run first,
   * or with `force` are killed and their runs cancelled. Queued runs are cancelled.
   * Resolves once every worker has been reaped.
   */
  async stop(force: boolean, reason: string): Promise<void> {
    this.#stopped = true;
    for (const run of this.#queue.splice(0)) run.onFail({ kind: 'cancelled', pid: undefined, reason });
    for (;;) {
      await Promise.all([...this.#children.handles].map((w) => w.ready));
      let busy = false;
      for (const w of [...this.#children.handles]) {
        if (w.state === 'idle') {
          // Asked to leave; killed if it has not left after a while.
          this.#children.retire(w, 'stopping', { k: 'stop' } satisfies ToWorker, 10 * this.#options.graceMs);
        } else if (w.state === 'busy' && force) {
          const run = w.work!;
          const pid = w.pid!;
          this.#kill(w);
          run.onFail({ kind: 'cancelled', pid, reason });
        } else if (w.state === 'busy') busy = true;
      }
      if (!busy) break;
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    await this.settled();
  }

  /** Forgets everything in a forked child; the workers are the parent's. */
  dropInChild(): void {
    this.#children.dropInChild();
    this.#queue.length = 0;
    this.#stopped = true;
  }

  #notify(): void {
    for (const resolve of this.#waiters.splice(0)) resolve();
  }

  #pump(): void {
    if (this.#stopped) return;
    for (const w of this.#children.handles) {
      if (this.#queue.length === 0) break;
      if (w.state === 'idle') this.#assign(w, this.#queue.shift()!);
    }
    if (this.#queue.length === 0) return;
    let forking = this.#children.count('forking');
    const live = () => this.#children.count('forking', 'idle', 'busy');
    if (this.#forkError && live() === 0) {
      const error = this.#forkError;
      for (const run of this.#queue.splice(0)) run.onFail({ kind: 'fork', error });
      this.#checkIdle();
      return;
    }
    if (this.#forkError) return; // run on the workers that exist
    while (live() < this.#options.size && forking < this.#queue.length) {
      this.#spawn();
      forking++;
    }
  }

  #spawn(): void {
    const { spawn = (table) => this.#fork(table) } = this.#options;
    this.#children.add(spawn(this.table), 'forking', 'idle', (error) => {
      if (error) {
        this.#forkError = error;
        this.#pump();
        return;
      }
      this.#forked = true;
      this.#forkError = undefined;
      this.#pump();
      this.#checkIdle();
    });
  }

  #fork(table: WorkerTable): Promise<JobChild> {
    const options: Parameters<typeof fork>[1] = {
      title: this.#options.title,
      allowActiveResources: this.#options.allowActiveResources,
    };
    if (this.#options.deathSignal !== undefined) options.deathSignal = this.#options.deathSignal;
    return fork(jobWorkerMain(table), options);
  }

  #assign(w: Worker, run: Run): void {
    w.state = 'busy';
    w.work = run;
    if (!w.child!.send(run.message) && !w.child!.running) {
      // The worker died between runs: it leaves the set when reaped; this run waits for another.
      w.state = 'killing';
      w.work = undefined;
      this.#queue.unshift(run);
      return;
    }
    if (run.timeoutMs !== undefined) w.arm(this.#children.clock, run.timeoutMs, () => this.#on(w, { kind: 'timeout' }));
  }

  #on(w: Worker, event: WorkerEvent): void {
    const decision = decideWorker({ state: w.state, runId: w.work?.id, pid: w.pid ?? 0, event });
    const run = w.work;
    const pid = w.pid!;
    switch (decision.kind) {
      case 'ignore':
        return;
      case 'started':
        run!.onStart(pid);
        return;
      case 'done':
        this.#free(w);
        run!.onDone(decision.value, pid, decision.ms);
        this.#notify();
        break;
      case 'failed':
        if (decision.worker === 'keep') this.#free(w);
        else if (decision.worker === 'kill') this.#kill(w);
        else w.work = undefined;
        run!.onFail(decision.failure);
        this.#notify();
        break;
      case 'replace':
        break;
    }
    this.#pump();
    this.#checkIdle();
  }

  #free(w: Worker): void {
    w.disarm();
    w.work = undefined;
    w.state = 'idle';
  }

  #kill(w: Worker): void {
    w.work = undefined;
    void this.#children.stop(w, 'killing').then(() => this.#notify());
  }

  #checkIdle(): void {
    if (!this.#stopped && this.idle) this.#options.onIdle();
  }
}
