// Dynamic scheduling without a round trip per item: the items are already in every
// worker's memory (forked after they were built), and a counter in shared memory hands
// out the next index: a free worker claims with one Atomics.add. Values come back in
// batches over each worker's channel. Used by Pool and WorkManager.
import { codeOf, CowloopError, ErrorCodes } from '../errors.js';
import { fork, type ForkOptions } from '../process/fork.js';
import type { ChildContext } from '../process/child-context.js';
import type { ForkedChild } from '../process/forked-child.js';
import { errorFromWire, errorToWire, type WireError } from '../process/wire.js';
import { CLAIMS_CLOSED, SharedClaims } from '../shm/shared-claims.js';
import { describeExit, stopChild } from './stop-child.js';

export interface ClaimedRunSpec<R, S> {
  /** Items are the indices 0 .. count-1. */
  count: number;
  workers: number;
  /** Indices claimed at once (1 balances best; larger amortises tiny items). */
  chunkSize: number;
  title: string;
  /** Send each item's value back (Pool) or only errors (WorkManager). */
  collect: boolean;
  /** Names an item in errors: `item 3`, `file "a.csv"`. */
  describeItem: (index: number) => string;
  /** Once per worker, before its first item. */
  setup?: () => unknown;
  /** Runs item `index` in a worker. */
  item: (index: number) => R | Promise<R>;
  /** The worker's final value (its task output), sent when it has no more items. */
  summary?: () => S;
  /** In the parent: a batch of values with their indices. */
  onValues?: (indices: number[], values: R[]) => void;
  timeoutMs?: number | undefined;
  graceMs: number;
  forkOptions: Pick<ForkOptions, 'allowActiveResources' | 'deathSignal'>;
}

export interface WorkerReport<S> {
  pid: number;
  index: number;
  count: number;
  timeMs: number;
  summary: S;
}

type FromClaimWorker = { k: 'v'; i: number[]; v: unknown[] } | { k: 'e'; i: number; error: WireError };

const FLUSH_ITEMS = 512;
const FLUSH_MS = 20;
const SLOW_ITEM_MS = 2;
// An abort moves the claim counter to CLAIMS_CLOSED: no item may lie at or beyond it.
const MAX_COUNT = CLAIMS_CLOSED;

export class ClaimedRun<R, S> {
  readonly done: Promise<Array<WorkerReport<S>>>;
  #claims: SharedClaims;
  #children: Array<ForkedChild<WorkerReport<S>>> = [];
  #error: Error | undefined;
  #spec: ClaimedRunSpec<R, S>;
  #timer: NodeJS.Timeout | undefined;

  constructor(spec: ClaimedRunSpec<R, S>) {
    if (spec.count > MAX_COUNT) {
      throw new CowloopError(ErrorCodes.ERR_COWLOOP_INVALID_ARGUMENT, `at most ${MAX_COUNT} items per call (got ${spec.count})`);
    }
    this.#spec = spec;
    const workers = Math.max(0, Math.min(spec.workers, Math.ceil(spec.count / spec.chunkSize)));
    this.#claims = new SharedClaims(workers);
    this.done = this.#run(workers);
    this.done.catch(() => undefined); // the owner awaits it; an early failure must not be unhandled
  }

  /** Stops handing out items; workers finish the one they are on. */
  abort(error?: Error): void {
    if (error && !this.#error) this.#error = error;
    this.#claims.closeClaims();
  }

  /** Aborts and kills the workers. */
  async kill(error: Error): Promise<void> {
    this.abort(error);
    await Promise.all(this.#children.map((c) => stopChild(c, this.#spec.graceMs)));
  }

  dropInChild(): void {
    clearTimeout(this.#timer);
    this.#children = [];
  }

  async #run(workers: number): Promise<Array<WorkerReport<S>>> {
    if (workers === 0) return [];
    const spec = this.#spec;
    const forks = await Promise.allSettled(
      Array.from({ length: workers }, (_, w) => fork(claimWorkerMain(spec, this.#claims, w), { ...spec.forkOptions, title: spec.title })),
    );
    for (const f of forks) if (f.status === 'fulfilled') this.#children.push(f.value);
    const refused = forks.find((f): f is PromiseRejectedResult => f.status === 'rejected');
    if (refused) this.abort(refused.reason as Error);
    if (spec.timeoutMs !== undefined) {
      this.#timer = setTimeout(() => void this.#timedOut(), spec.timeoutMs);
      this.#timer.unref(); // a ref'd timer would count as pending work at the next fork
    }
    for (const child of this.#children) {
      child.on('message', (m) => this.#onMessage(child, m as FromClaimWorker));
    }
    const results = await Promise.allSettled(this.#children.map((c) => c.result));
    await Promise.all(this.#children.map((c) => c.exited));
    clearTimeout(this.#timer);
    results.forEach((r, w) => {
      if (r.status === 'rejected' && !this.#error) this.#error = this.#workerDied(this.#children[w]!, w, r.reason as Error);
    });
    if (this.#error) throw this.#error;
    return results.map((r) => (r as PromiseFulfilledResult<WorkerReport<S>>).value);
  }

  #onMessage(child: ForkedChild<WorkerReport<S>>, m: FromClaimWorker): void {
    if (m.k === 'v') {
      if (!this.#error) this.#spec.onValues?.(m.i, m.v as R[]);
      return;
    }
    const cause = errorFromWire(m.error, { childPid: child.pid });
    const what = this.#spec.describeItem(m.i);
    const code = (cause as { code?: string }).code === ErrorCodes.ERR_COWLOOP_RESULT_NOT_SERIALIZABLE
      ? ErrorCodes.ERR_COWLOOP_RESULT_NOT_SERIALIZABLE
      : ErrorCodes.ERR_COWLOOP_TASK_FAILED;
    const error = new CowloopError(code, `${what} failed in worker ${child.pid}: ${cause.name}: ${cause.message}`, { cause });
    error.stack = `${error.name} [${code}]: ${error.message}\n${frames(cause.stack ?? '')}`;
    Object.assign(error, { itemIndex: m.i, pid: child.pid });
    this.abort(error);
  }

  #workerDied(child: ForkedChild<WorkerReport<S>>, w: number, reason: Error): Error {
    const exit = (reason as { exitCode?: number | null; signal?: string | null });
    const current = this.#claims.inFlight(w);
    const on = current >= 0 ? ` while processing ${this.#spec.describeItem(current)}` : '';
    const how = exit.signal !== undefined || exit.exitCode !== undefined
      ? describeExit({ code: exit.exitCode ?? null, signal: exit.signal ?? null })
      : `failed: ${reason.message}`;
    const code = codeOf(reason, ErrorCodes.ERR_COWLOOP_WORKER_DIED);
    const error = new CowloopError(
      code === ErrorCodes.ERR_COWLOOP_CHILD_EXITED ? ErrorCodes.ERR_COWLOOP_WORKER_DIED : code,
      `worker ${child.pid} ${how}${on}`,
      { cause: reason },
    );
    return Object.assign(error, { pid: child.pid, ...(current >= 0 ? { itemIndex: current } : {}) });
  }

  async #timedOut(): Promise<void> {
    const seconds = this.#spec.timeoutMs! / 1000;
    const busy = this.#children.flatMap((c, w) => {
      const i = this.#claims.inFlight(w);
      return i >= 0 && c.running ? [`${this.#spec.describeItem(i)} in worker ${c.pid}`] : [];
    });
    const error = new CowloopError(
      ErrorCodes.ERR_COWLOOP_JOB_TIMEOUT,
      `timed out after ${seconds} s` + (busy.length > 0 ? `; still running: ${busy.join(', ')}; the workers were killed` : ''),
    );
    await this.kill(error);
  }
}

function frames(stack: string): string {
  return stack.split('\n').filter((l) => /^\s+at /.test(l)).join('\n');
}

function claimWorkerMain<R, S>(spec: ClaimedRunSpec<R, S>, claims: SharedClaims, w: number) {
  return async (ctx: ChildContext): Promise<WorkerReport<S>> => {
    const { count, chunkSize, collect, item } = spec;
    await spec.setup?.();
    let done = 0;
    let timeMs = 0;
    let indices: number[] = [];
    let values: unknown[] = [];
    let lastFlush = performance.now();
    let limit = 1;
    const flush = () => {
      if (indices.length === 0) return;
      try {
        ctx.send({ k: 'v', i: indices, v: values } satisfies FromClaimWorker);
      } catch {
        reportUnserialisable(ctx, spec, indices, values);
        claims.closeClaims();
      }
      indices = [];
      values = [];
    };
    claiming: for (;;) {
      const start = claims.claim(chunkSize);
      if (start >= count) break;
      const end = Math.min(start + chunkSize, count);
      for (let i = start; i < end; i++) {
        claims.setInFlight(w, i);
        const t0 = performance.now();
        let value: unknown;
        try {
          value = item(i);
          if (value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function') value = await value;
        } catch (error) {
          ctx.send({ k: 'e', i, error: errorToWire(error) } satisfies FromClaimWorker);
          claims.closeClaims();
          break claiming;
        }
        const t1 = performance.now();
        timeMs += t1 - t0;
        done++;
        if (collect) {
          indices.push(i);
          values.push(value);
          // Batches grow 1, 2, 4 ... FLUSH_ITEMS: first values arrive at once, tiny items
          // share a message, and slow items (or a slow stretch) are sent as they finish.
          if (indices.length >= limit || t1 - lastFlush > FLUSH_MS || t1 - t0 > SLOW_ITEM_MS) {
            flush();
            lastFlush = t1;
            limit = Math.min(limit * 2, FLUSH_ITEMS);
          }
        }
      }
    }
    claims.setInFlight(w, -1);
    flush();
    return { pid: process.pid, index: w, count: done, timeMs, summary: spec.summary?.() as S };
  };
}

function reportUnserialisable<R, S>(ctx: ChildContext, spec: ClaimedRunSpec<R, S>, indices: number[], values: unknown[]): void {
  let bad = 0;
  for (; bad < values.length; bad++) {
    try {
      ctx.send({ k: 'v', i: [indices[bad]!], v: [values[bad]] } satisfies FromClaimWorker);
    } catch {
      break;
    }
  }
  const index = indices[Math.min(bad, indices.length - 1)]!;
  const error = new CowloopError(
    ErrorCodes.ERR_COWLOOP_RESULT_NOT_SERIALIZABLE,
    `the value returned for ${spec.describeItem(index)} cannot be serialised with v8.serialize; return plain data ` +
      '(objects, arrays, typed arrays, Maps, Sets, errors), not functions, class handles or sockets',
  );
  ctx.send({ k: 'e', i: index, error: errorToWire(error) } satisfies FromClaimWorker);
}
