// Dynamic scheduling without a round trip per item: the items are already in every
// worker's memory (forked after they were built), and a counter in shared memory hands
// out the next index: a free worker claims with one Atomics.add. Values come back in
// batches over each worker's channel. Used by Pool and WorkManager.
import { CowloopError, ErrorCodes } from '../errors.js';
import { fork, type ForkOptions } from '../process/fork.js';
import type { ChildContext } from '../process/child-context.js';
import { errorFromWire, errorToWire, type WireError } from '../process/wire.js';
import { CLAIMS_CLOSED, SharedClaims } from '../shm/shared-claims.js';
import { endOf, type SupervisedChild } from '../supervise/child.js';
import type { ChildHandle } from '../supervise/child-handle.js';
import { ChildSet } from '../supervise/child-set.js';
import type { SupervisorClock } from '../supervise/clock.js';
import { decideClaim, type ClaimEvent } from './claim-decision.js';

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
  /** Forks worker `w` (default: fork() of the claiming loop); tests hand in stand-ins. */
  spawn?: (w: number, claims: SharedClaims) => Promise<ClaimChild<S>>;
  clock?: SupervisorClock;
}

export interface WorkerReport<S> {
  pid: number;
  index: number;
  count: number;
  timeMs: number;
  summary: S;
}

export type ClaimChild<S> = SupervisedChild<WorkerReport<S>>;

type FromClaimWorker = { k: 'v'; i: number[]; v: unknown[] } | { k: 'e'; i: number; error: WireError };

function isFromClaimWorker(m: unknown): m is FromClaimWorker {
  return typeof m === 'object' && m !== null && 'k' in m && (m.k === 'v' || m.k === 'e');
}

/** A worker of the run; its work is its index (the word of the claims it writes). */
type Worker<S> = ChildHandle<ClaimChild<S>, 'forking' | 'running' | 'stopping', number>;

const FLUSH_ITEMS = 512;
const FLUSH_MS = 20;
const SLOW_ITEM_MS = 2;
// An abort moves the claim counter to CLAIMS_CLOSED: no item may lie at or beyond it.
const MAX_COUNT = CLAIMS_CLOSED;

export class ClaimedRun<R, S> {
  readonly done: Promise<Array<WorkerReport<S>>>;
  #claims: SharedClaims;
  #children: ChildSet<ClaimChild<S>, 'forking' | 'running' | 'stopping', number>;
  #error: Error | undefined;
  #spec: ClaimedRunSpec<R, S>;
  #cancelTimer: (() => void) | undefined;

  constructor(spec: ClaimedRunSpec<R, S>) {
    if (spec.count > MAX_COUNT) {
      throw new CowloopError(ErrorCodes.ERR_COWLOOP_INVALID_ARGUMENT, `at most ${MAX_COUNT} items per call (got ${spec.count})`);
    }
    this.#spec = spec;
    const workers = Math.max(0, Math.min(spec.workers, Math.ceil(spec.count / spec.chunkSize)));
    this.#claims = new SharedClaims(workers);
    this.#children = new ChildSet({
      graceMs: spec.graceMs,
      clock: spec.clock,
      onMessage: (w, m) => {
        if (isFromClaimWorker(m)) this.#onMessage(w, m);
      },
      onExit: () => undefined, // read by endOf in #run
    });
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
    await Promise.all([...this.#children.handles].map((w) => this.#children.stop(w, 'stopping')));
  }

  dropInChild(): void {
    this.#cancelTimer?.();
    this.#children.dropInChild();
  }

  async #run(workers: number): Promise<Array<WorkerReport<S>>> {
    if (workers === 0) return [];
    const spec = this.#spec;
    const spawn = spec.spawn ?? ((w, claims) => fork(claimWorkerMain(spec, claims, w), { ...spec.forkOptions, title: spec.title }));
    const handles = Array.from({ length: workers }, (_, w) => {
      const handle = this.#children.add(spawn(w, this.#claims), 'forking', 'running', (error) => {
        if (error) this.#decide(decideClaim({ kind: 'fork-refused', error }, spec.describeItem));
      });
      handle.work = w;
      return handle;
    });
    await Promise.all(handles.map((h) => h.ready));
    const running = handles.filter((h) => h.child !== undefined);
    if (spec.timeoutMs !== undefined) this.#cancelTimer = this.#children.clock.after(spec.timeoutMs, () => this.#timedOut(running));
    const ends = await Promise.all(running.map((h) => endOf(h.child!)));
    this.#cancelTimer?.();
    const reports: Array<WorkerReport<S>> = [];
    ends.forEach((end, k) => {
      const w = running[k]!;
      const event: ClaimEvent = { kind: 'ended', pid: w.pid!, error: end.error, inFlight: this.#claims.inFlight(w.work!) };
      this.#decide(decideClaim(event, spec.describeItem));
      if (end.report) reports.push(end.report);
    });
    if (this.#error) throw this.#error;
    return reports;
  }

  #decide(decision: ReturnType<typeof decideClaim>): void {
    switch (decision.kind) {
      case 'continue':
        return;
      case 'abort':
        this.abort(decision.error);
        return;
      case 'fail':
        this.#error ??= decision.error;
        return;
      case 'kill':
        void this.kill(decision.error);
        return;
    }
  }

  #onMessage(w: Worker<S>, m: FromClaimWorker): void {
    if (m.k === 'v') {
      // Values are plain data the worker's item returned (v8-deserialised): R as the caller typed it.
      if (!this.#error) this.#spec.onValues?.(m.i, m.v as R[]);
      return;
    }
    const pid = w.pid!;
    const cause = errorFromWire(m.error, { childPid: pid });
    this.#decide(decideClaim({ kind: 'item-failed', pid, index: m.i, cause }, this.#spec.describeItem));
  }

  #timedOut(running: Array<Worker<S>>): void {
    const busy = running.flatMap((w) => {
      const index = this.#claims.inFlight(w.work!);
      return index >= 0 && w.running ? [{ index, pid: w.pid! }] : [];
    });
    this.#decide(decideClaim({ kind: 'timeout', seconds: this.#spec.timeoutMs! / 1000, busy }, this.#spec.describeItem));
  }
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
