// Pool: map / imap / apply over closures. Each call forks its own workers at the next
// clean point (they see the items and the function in their memory), and the workers
// claim item indices from a shared-memory counter, so a tiny item costs an Atomics.add
// and a share of a batched message, not a round trip.
import os from 'node:os';
import { CowloopError, ErrorCodes, invalidArgument } from '../errors.js';
import { fork } from '../process/fork.js';
import { endOf, type SupervisedChild } from '../supervise/child.js';
import { ChildSet } from '../supervise/child-set.js';
import { ClaimedRun } from './claimed-run.js';
import { checkSeconds } from './job.js';
import { holdParentState } from './parent-state.js';

export interface PoolOptions {
  /** Workers forked per call (default: os.availableParallelism()). */
  workers?: number;
  /** Items a worker claims at once (default 1; raise it for very many tiny items). */
  chunkSize?: number;
  /** Seconds between SIGTERM and SIGKILL when workers are stopped (default 1). */
  killGrace?: number;
  /** Kinds of pending async work workers may inherit (see fork()). */
  allowActiveResources?: string[];
  /** Signal workers get if this process dies (default SIGKILL). */
  deathSignal?: NodeJS.Signals | 0;
}

export interface MapOptions {
  chunkSize?: number;
  /** Seconds for the whole call; on expiry the workers are killed and the call rejects. */
  timeout?: number;
}

export interface ImapOptions extends MapOptions {
  /** Yield in item order (default true) or as soon as each value arrives. */
  ordered?: boolean;
}

export type MapFunction<T, R> = (item: T, index: number) => R | Promise<R>;

interface FilledPoolOptions {
  workers: number;
  chunkSize: number;
  graceMs: number;
  forkOptions: { allowActiveResources: string[]; deathSignal?: NodeJS.Signals | 0 };
}

export class Pool {
  #options: FilledPoolOptions;
  #runs = new Set<Pick<ClaimedRun<unknown, unknown>, 'done' | 'kill' | 'dropInChild'>>();
  /** The children of apply() calls. */
  #applies: ChildSet<SupervisedChild, 'running' | 'stopping'>;
  #closed = false;
  #release: () => void;

  constructor(options: PoolOptions = {}) {
    this.#options = fillPoolOptions(options);
    this.#applies = new ChildSet({ graceMs: this.#options.graceMs, onMessage: () => undefined, onExit: () => undefined });
    this.#release = holdParentState(this);
  }

  get workers(): number {
    return this.#options.workers;
  }

  /** fn(item, index) for every item, in parallel; resolves with the values in item order. */
  async map<T, R>(fn: MapFunction<T, R>, items: Iterable<T> | ArrayLike<T>, options: MapOptions = {}): Promise<Awaited<R>[]> {
    const list = this.#prepare(fn, items, 'map');
    const out = new Array<Awaited<R>>(list.length);
    const run = this.#start(fn, list, options, (indices, values) => {
      for (let k = 0; k < indices.length; k++) out[indices[k]!] = values[k] as Awaited<R>;
    });
    await this.#finish(run);
    return out;
  }

  /**
   * Like map, but yields values as they arrive: in item order (default), or with
   * `{ ordered: false }` in completion order. Workers are forked at the call, not at the
   * first next(); leaving the loop early stops them.
   */
  imap<T, R>(fn: MapFunction<T, R>, items: Iterable<T> | ArrayLike<T>, options: ImapOptions = {}): AsyncIterableIterator<Awaited<R>> {
    const list = this.#prepare(fn, items, 'imap');
    const ordered = options.ordered ?? true;
    const buffered = new Map<number, Awaited<R>>();
    const ready: Array<Awaited<R>> = [];
    let next = 0;
    let wake: (() => void) | undefined;
    const run = this.#start(fn, list, options, (indices, values) => {
      for (let k = 0; k < indices.length; k++) {
        if (ordered) buffered.set(indices[k]!, values[k] as Awaited<R>);
        else ready.push(values[k] as Awaited<R>);
      }
      if (ordered) while (buffered.has(next)) {
        ready.push(buffered.get(next)!);
        buffered.delete(next++);
      }
      wake?.();
    });
    let finished = false;
    let failure: Error | undefined;
    const ended = this.#finish(run).then(
      () => {
        finished = true;
        wake?.();
      },
      (error: Error) => {
        finished = true;
        failure = error;
        wake?.();
      },
    );
    let head = 0;
    const iterator: AsyncIterableIterator<Awaited<R>> = {
      next: async () => {
        for (;;) {
          if (head < ready.length) {
            const value = ready[head]!;
            ready[head++] = undefined as Awaited<R>;
            if (head > 1024 && head * 2 > ready.length) {
              ready.splice(0, head);
              head = 0;
            }
            return { value, done: false };
          }
          if (failure) throw failure;
          if (finished) return { value: undefined, done: true };
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
        }
      },
      return: async () => {
        run.abort();
        await ended;
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  /** fn(...args) in one forked worker; resolves with its (serialised) return value. */
  async apply<A extends unknown[], R>(fn: (...args: A) => R | Promise<R>, args?: A): Promise<Awaited<R>> {
    if (typeof fn !== 'function') throw invalidArgument('apply(fn)', 'a function', fn);
    this.#checkOpen('apply');
    const list: unknown[] = args === undefined ? [] : args;
    if (!Array.isArray(list)) throw invalidArgument('apply(fn, args)', 'an array of arguments', args);
    // A is the caller's own argument list (checked an array above), or none given for a function of none.
    const forking = fork(() => fn(...(list as A)), { ...this.#options.forkOptions, title: 'cowloop: pool worker' });
    let refused: Error | undefined;
    const handle = this.#applies.add(forking, 'running', 'running', (error) => {
      refused = error;
    });
    await handle.ready;
    if (!handle.child) throw refused!;
    const end = await endOf(handle.child);
    if (end.error) throw end.error;
    return end.report as Awaited<R>; // the value fn returned, as the child serialised it
  }

  /**
   * Lets calls in progress finish, or with `force` stops their workers (the calls
   * reject); later calls are refused.
   */
  async close(options: { force?: boolean } = {}): Promise<void> {
    this.#closed = true;
    const runs = [...this.#runs];
    if (options.force) {
      const error = new CowloopError(ErrorCodes.ERR_COWLOOP_CLOSED, 'the Pool was closed with { force: true } while this call was running');
      await Promise.all(runs.map((r) => r.kill(error)));
      await Promise.all([...this.#applies.handles].map((h) => this.#applies.stop(h, 'stopping')));
    }
    await Promise.allSettled([...runs.map((r) => r.done), ...[...this.#applies.handles].map((h) => h.ready)]);
    this.#release();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** @internal */
  dropInChild(): void {
    for (const run of this.#runs) run.dropInChild();
    this.#runs.clear();
    this.#applies.dropInChild();
    this.#closed = true;
  }

  #checkOpen(what: string): void {
    if (this.#closed) throw new CowloopError(ErrorCodes.ERR_COWLOOP_CLOSED, `cannot ${what}(): the Pool is closed`);
  }

  #prepare<T, R>(fn: MapFunction<T, R>, items: Iterable<T> | ArrayLike<T>, what: string): ArrayLike<T> {
    if (typeof fn !== 'function') throw invalidArgument(`${what}(fn)`, 'a function', fn);
    this.#checkOpen(what);
    if (items === null || typeof items !== 'object') throw invalidArgument(`${what}(fn, items)`, 'an iterable or array-like', items);
    if (Array.isArray(items) || ArrayBuffer.isView(items)) return items as ArrayLike<T>;
    if (Symbol.iterator in items) return Array.from(items as Iterable<T>);
    if (typeof (items as ArrayLike<T>).length === 'number') return items as ArrayLike<T>;
    throw invalidArgument(`${what}(fn, items)`, 'an iterable or array-like', items);
  }

  #start<T, R>(fn: MapFunction<T, R>, list: ArrayLike<T>, options: MapOptions, onValues: (i: number[], v: unknown[]) => void): ClaimedRun<R, undefined> {
    const chunkSize = options.chunkSize ?? this.#options.chunkSize;
    if (!Number.isInteger(chunkSize) || chunkSize < 1) throw invalidArgument('options.chunkSize', 'a positive integer', chunkSize);
    checkSeconds('options.timeout', options.timeout);
    const run = new ClaimedRun<R, undefined>({
      count: list.length,
      workers: this.#options.workers,
      chunkSize,
      title: 'cowloop: pool worker',
      collect: true,
      describeItem: (i) => `item ${i}`,
      item: (i) => fn(list[i]!, i),
      onValues: onValues as (i: number[], v: R[]) => void,
      timeoutMs: options.timeout === undefined ? undefined : options.timeout * 1000,
      graceMs: this.#options.graceMs,
      forkOptions: this.#options.forkOptions,
    });
    this.#runs.add(run);
    return run;
  }

  async #finish<R, S>(run: ClaimedRun<R, S>): Promise<void> {
    try {
      await run.done;
    } finally {
      this.#runs.delete(run);
    }
  }
}

function fillPoolOptions(options: PoolOptions): FilledPoolOptions {
  if (options === null || typeof options !== 'object') throw invalidArgument('Pool options', 'an object', options);
  const { workers = os.availableParallelism(), chunkSize = 1, killGrace = 1, allowActiveResources = [] } = options;
  if (!Number.isInteger(workers) || workers < 1) throw invalidArgument('options.workers', 'a positive integer', workers);
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw invalidArgument('options.chunkSize', 'a positive integer', chunkSize);
  checkSeconds('options.killGrace', killGrace);
  if (!Array.isArray(allowActiveResources)) throw invalidArgument('options.allowActiveResources', 'an array of resource kinds', allowActiveResources);
  const forkOptions: FilledPoolOptions['forkOptions'] = { allowActiveResources: [...allowActiveResources] };
  if (options.deathSignal !== undefined) forkOptions.deathSignal = options.deathSignal;
  return { workers, chunkSize, graceMs: killGrace * 1000, forkOptions };
}
