// A set of forked job workers sharing one table: a queue of runs, a free worker takes the
// next run, per-run timeouts, and stuck or dead workers killed and replaced by new forks.
import { fork } from '../process/fork.js';
import type { ChildExit, ForkedChild } from '../process/forked-child.js';
import { errorFromWire } from '../process/wire.js';
import { jobWorkerMain, type FromWorker, type ToWorker, type WorkerTable } from './worker-loop.js';
import { stopChild } from './stop-child.js';

/** Why a run did not produce a value. */
export type RunFailure =
  | { kind: 'error'; error: Error; pid: number; ms: number }
  | { kind: 'timeout'; pid: number }
  | { kind: 'died'; pid: number; exit: ChildExit; error: Error | undefined }
  | { kind: 'cancelled'; pid: number | undefined; reason: string }
  | { kind: 'group-timeout'; pid: number | undefined }
  | { kind: 'fork'; error: Error };

export interface Run {
  readonly id: number;
  readonly message: Exclude<ToWorker, { k: 'stop' }>;
  readonly timeoutMs: number | undefined;
  onStart(pid: number): void;
  onDone(value: unknown, pid: number, ms: number): void;
  onFail(failure: RunFailure): void;
}

export interface WorkerSetOptions {
  size: number;
  graceMs: number;
  title: string;
  allowActiveResources: string[];
  deathSignal: NodeJS.Signals | 0 | undefined;
  /** Called whenever a run settles and the set has nothing queued or running. */
  onIdle(): void;
}

type WorkerState = 'forking' | 'idle' | 'busy' | 'killing' | 'stopping';

interface Worker {
  state: WorkerState;
  child: ForkedChild<void> | undefined;
  ready: Promise<void>;
  run: Run | undefined;
  timer: NodeJS.Timeout | undefined;
  lastError: Error | undefined;
}

export class WorkerSet {
  readonly table: WorkerTable = { runs: [], fns: [] };
  #options: WorkerSetOptions;
  #workers = new Set<Worker>();
  #queue: Run[] = [];
  #pendingExits = new Set<Promise<unknown>>();
  #forked = false;
  #forkError: Error | undefined;
  #stopped = false;

  constructor(options: WorkerSetOptions) {
    this.#options = options;
  }

  /** True until the first worker exists: entries added now are in every worker's memory. */
  get open(): boolean {
    return !this.#forked && !this.#stopped;
  }

  get idle(): boolean {
    if (this.#queue.length > 0) return false;
    for (const w of this.#workers) if (w.state === 'busy') return false;
    return true;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Index of fn in this set's function table, if the workers know it. */
  knows(fn: unknown): number | undefined {
    const i = this.table.fns.indexOf(fn as WorkerTable['fns'][number]);
    return i < 0 ? undefined : i;
  }

  pids(): number[] {
    return [...this.#workers].flatMap((w) => (w.child && w.child.running ? [w.child.pid] : []));
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
    for (const w of this.#workers) {
      if (w.state === 'busy' && w.run?.id === id) {
        const run = w.run;
        const pid = w.child!.pid;
        this.#kill(w);
        run.onFail(failure(pid));
        this.#checkIdle();
        this.#pump();
        return;
      }
    }
  }

  /** Resolves when every worker killed so far has been reaped. */
  async settled(): Promise<void> {
    while (this.#pendingExits.size > 0) await Promise.all([...this.#pendingExits]);
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
      await Promise.all([...this.#workers].map((w) => w.ready));
      let busy = false;
      for (const w of [...this.#workers]) {
        if (w.state === 'idle') this.#retire(w);
        else if (w.state === 'busy' && force) {
          const run = w.run!;
          const pid = w.child!.pid;
          this.#kill(w);
          run.onFail({ kind: 'cancelled', pid, reason });
        } else if (w.state === 'busy') busy = true;
      }
      if (!busy) break;
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    await this.settled();
  }

  #waiters: Array<() => void> = [];

  #notify(): void {
    for (const resolve of this.#waiters.splice(0)) resolve();
  }

  /** Asks an idle worker to leave; kills it if it has not left after a while. */
  #retire(w: Worker): void {
    w.state = 'stopping';
    const child = w.child!;
    child.send({ k: 'stop' } satisfies ToWorker);
    const deadline = setTimeout(() => void stopChild(child, this.#options.graceMs), 10 * this.#options.graceMs);
    deadline.unref();
    w.timer = deadline; // dropped in a child forked meanwhile, with the other timers
    this.#track(child.exited.then(() => {
      clearTimeout(deadline);
      this.#workers.delete(w);
    }));
  }

  /** Forgets everything in a forked child; the workers are the parent's. */
  dropInChild(): void {
    for (const w of this.#workers) clearTimeout(w.timer);
    this.#workers.clear();
    this.#queue.length = 0;
    this.#pendingExits.clear();
    this.#stopped = true;
  }

  #live(): number {
    let n = 0;
    for (const w of this.#workers) if (w.state === 'forking' || w.state === 'idle' || w.state === 'busy') n++;
    return n;
  }

  #pump(): void {
    if (this.#stopped) return;
    for (const w of this.#workers) {
      if (this.#queue.length === 0) break;
      if (w.state === 'idle') this.#assign(w, this.#queue.shift()!);
    }
    if (this.#queue.length === 0) return;
    let forking = 0;
    for (const w of this.#workers) if (w.state === 'forking') forking++;
    if (this.#forkError && this.#live() === 0) {
      const error = this.#forkError;
      for (const run of this.#queue.splice(0)) run.onFail({ kind: 'fork', error });
      this.#checkIdle();
      return;
    }
    if (this.#forkError) return; // run on the workers that exist
    while (this.#live() < this.#options.size && forking < this.#queue.length) {
      this.#spawn();
      forking++;
    }
  }

  #spawn(): void {
    const w: Worker = { state: 'forking', child: undefined, ready: Promise.resolve(), run: undefined, timer: undefined, lastError: undefined };
    this.#workers.add(w);
    const options: Parameters<typeof fork>[1] = {
      title: this.#options.title,
      allowActiveResources: this.#options.allowActiveResources,
    };
    if (this.#options.deathSignal !== undefined) options.deathSignal = this.#options.deathSignal;
    w.ready = fork(jobWorkerMain(this.table), options).then(
      (child) => {
        this.#forked = true;
        this.#forkError = undefined;
        w.child = child;
        w.state = 'idle';
        child.result.catch((error: Error) => {
          w.lastError = error;
        });
        child.on('message', (m) => this.#onMessage(w, m as FromWorker));
        child.on('exit', (exit) => this.#onExit(w, exit));
        this.#pump();
        this.#checkIdle();
      },
      (error: Error) => {
        this.#workers.delete(w);
        this.#forkError = error;
        this.#pump();
      },
    );
  }

  #assign(w: Worker, run: Run): void {
    w.state = 'busy';
    w.run = run;
    if (!w.child!.send(run.message) && !w.child!.running) {
      // The worker died between runs; its exit handler replaces it and this run waits.
      w.state = 'killing';
      w.run = undefined;
      this.#queue.unshift(run);
      return;
    }
    if (run.timeoutMs !== undefined) {
      w.timer = setTimeout(() => {
        w.timer = undefined;
        const pid = w.child!.pid;
        this.#kill(w);
        run.onFail({ kind: 'timeout', pid });
        this.#checkIdle();
        this.#pump();
      }, run.timeoutMs);
      // Unref'd: the worker's channel keeps the loop alive, and a ref'd timer would be
      // pending work that refuses the fork of a replacement worker.
      w.timer.unref();
    }
  }

  #onMessage(w: Worker, m: FromWorker): void {
    const run = w.run;
    if (!run || run.id !== m.id || w.state !== 'busy') return; // a run already timed out or cancelled
    const pid = w.child!.pid;
    if (m.k === 'start') {
      run.onStart(pid);
      return;
    }
    clearTimeout(w.timer);
    w.timer = undefined;
    w.run = undefined;
    w.state = 'idle';
    if (m.k === 'done') run.onDone(m.value, pid, m.ms);
    else run.onFail({ kind: 'error', error: errorFromWire(m.error, { childPid: pid }), pid, ms: m.ms });
    this.#notify();
    this.#pump();
    this.#checkIdle();
  }

  #onExit(w: Worker, exit: ChildExit): void {
    clearTimeout(w.timer);
    const state = w.state;
    if (state === 'killing' || state === 'stopping') return;
    this.#workers.delete(w);
    const run = w.run;
    w.run = undefined;
    if (state === 'busy' && run) {
      run.onFail({ kind: 'died', pid: w.child!.pid, exit, error: w.lastError });
      this.#notify();
    }
    this.#pump();
    this.#checkIdle();
  }

  #kill(w: Worker): void {
    clearTimeout(w.timer);
    w.timer = undefined;
    w.run = undefined;
    w.state = 'killing';
    this.#track(stopChild(w.child!, this.#options.graceMs).then(() => {
      this.#workers.delete(w);
      this.#notify();
    }));
  }

  #track(p: Promise<unknown>): void {
    const tracked = p.finally(() => this.#pendingExits.delete(tracked));
    this.#pendingExits.add(tracked);
  }

  #checkIdle(): void {
    if (!this.#stopped && this.idle) this.#options.onIdle();
  }
}
