// One node of a queued job (`cowloop work`): the master, initialised once, forks its
// workers once, then takes ranges from the queue and hands them to those long-lived
// workers (two in hand each, as the ranges strategy does, and one spare range per node while
// the queue is far from empty: range-claim.ts). A finished range is made durable
// and put in place whole, and only then acknowledged; that is done asynchronously, while
// its worker runs its next range. Only the master talks to Redis, on one
// connection opened after the workers are forked and closed before any later fork (a
// replacement after a crash). The node ends when no range is left unread or leased, except
// those that failed here (another node must take them); while it waits for leases held
// elsewhere it asks less and less often. With `merge`, a node that finds the job complete
// (every range done, none poison) asks Redis to make it the job's merger; of all the nodes
// only the first to ask is (the merge itself is the caller's, once the workers are gone).
//
// A worker that dies fails the range it was running on this node: the failure is recorded
// in Redis with the event it was at, and the range handed back at once; a range that failed
// on MaxFailures different nodes is poison: acknowledged without outputs and reported
// (the decisions are in range-failure.ts).
//
// A range moves through the node's fields in one direction: preparing (its partial
// directory being made) -> ready -> a worker's inHand -> placing (made durable and put in
// place, a batch at a time) -> finished (to acknowledge); or, when its worker dies,
// inHand -> crashed (to record and hand back).
import * as fs from 'node:fs';
import type { EventLoopMgr } from '../evtloop/event-loop-mgr.js';
import type { RangeMessage, WorkerMessage } from '../evtloop/range-feed.js';
import { IoComponentMgr } from '../io/io-component-mgr.js';
import { fork } from '../process/fork.js';
import type { ForkedChild } from '../process/forked-child.js';
import { SharedClaims } from '../shm/shared-claims.js';
import { CowloopError, ErrorCodes } from '../errors.js';
import { hostName } from '../shard/layout.js';
import { partialRangeDir, placeRanges, preparePartial, rangesDir } from './range-dir.js';
import { QueueLink } from './queue-link.js';
import { type PoisonRange, type QueueCounts, type QueueMeta, type QueuedRange, type RangeFailure, type RangeQueue } from './range-queue.js';
import { blameRange, decideFailure, tooManyIdleDeaths } from './range-failure.js';
import { IN_HAND, rangesToClaim } from './range-claim.js';
import { rangeWorker, type RangeOrder, type RangeResult, type RangeResultMessage } from './range-run.js';

export interface WorkOptions {
  loop: EventLoopMgr;
  url: string;
  queue: string;
  meta: QueueMeta;
  out: string;
  workers: number;
  leaseMs: number;
  /** Nodes a range may fail on before it is poison. */
  maxFailures: number;
  /** How long Redis may stay out of reach before the node gives up. */
  redisWaitMs: number;
  /** Compete to merge the job once it is complete (`cowloop work --merge`). */
  merge?: boolean;
  say: (line: string) => void;
}

export interface WorkSummary {
  ranges: number;
  duplicates: number;
  processed: number;
  /** Ranges that failed here and wait for another node. */
  failedHere: Array<{ first: number; end: number; event: number; why: string }>;
  /** The job's poison ranges, as Redis holds them at the end. */
  poison: PoisonRange[];
  /** Of the ranges that failed here, those still waiting for another node at the end. */
  waiting: Array<{ first: number; end: number }>;
  /** With `merge` and the job complete: the node that claimed the merge, and whether it is this one. */
  merger?: { node: string; mine: boolean };
}

/** A range this node holds: claimed, given to a worker, finished. */
interface Held {
  range: QueuedRange;
  order: RangeOrder;
  started: Date;
  result?: RangeResult;
  /** Set once placed: true, or false when another node's copy was there first. */
  placed?: boolean;
}

interface Worker {
  index: number;
  child: ForkedChild<{ processed: number }> | undefined;
  inHand: Held[];
}

export async function workNode(o: WorkOptions): Promise<WorkSummary> {
  const io = new IoComponentMgr();
  io.ioRegisterAll(o.loop.application.components());
  await o.loop.application.prefork();
  fs.mkdirSync(rangesDir(o.out), { recursive: true });
  return new WorkNode(o, io).run();
}

class WorkNode {
  readonly #o: WorkOptions;
  readonly #io: IoComponentMgr;
  readonly #node = `${hostName()}:${process.pid}`;
  readonly #shared: SharedClaims;
  readonly #link: QueueLink;
  readonly #summary: WorkSummary = { ranges: 0, duplicates: 0, processed: 0, failedHere: [], poison: [], waiting: [] };
  readonly #workers: Worker[];

  // Where each range is (see the head of the file).
  /** Claimed, their partial directories being made. */
  readonly #preparing = new Set<Held>();
  readonly #ready: Held[] = [];
  /** Finished by their workers, being made durable and placed (a batch at a time). */
  readonly #placing = new Set<Held>();
  #toPlace: Held[] = [];
  #batchRunning = false;
  /** Placed (or found in place): to acknowledge. */
  readonly #finished: Held[] = [];
  readonly #crashed: Array<{ held: Held; failure: RangeFailure }> = [];
  /** Entry ids of ranges that failed here: this node does not take them again. */
  readonly #failedIds = new Set<string>();
  readonly #failedRanges = new Map<string, QueuedRange>();

  #idleDeaths = 0;
  /** The queue's counts as the last acknowledgement or claim read them: whether to claim a spare range (range-claim.ts). */
  #counts: QueueCounts | undefined;
  /** Set by whatever goes wrong off the main loop; the loop stops the workers and throws it. */
  #fatal: CowloopError | undefined;
  #wake: (() => void) | undefined;

  // A fork is refused while file system requests are pending (a child must not inherit the
  // thread pool mid-request): placing and preparing pause around a replacement's fork.
  #forking = false;
  readonly #inflight = new Set<Promise<unknown>>();
  readonly #deferred: Held[] = [];

  // Looking for leases that ran out walks the pending list in Redis (thousands of leases
  // with many nodes), so a node does it only when no unread range is left and at most
  // every scanMs: pollMs, then twice as long after each look that found too few, up to a
  // quarter of a lease (a lost range is taken at most lease/4 after it ran out). An idle
  // node polls on the same terms, and asks at once again after a range.
  readonly #pollMs: number;
  readonly #maxPollMs: number;
  #idlePollMs: number;
  #scanMs: number;
  #nextScan = 0;
  #lastRenew = 0;

  constructor(o: WorkOptions, io: IoComponentMgr) {
    this.#o = o;
    this.#io = io;
    this.#shared = new SharedClaims(o.workers);
    this.#workers = Array.from({ length: o.workers }, (_, index) => ({ index, child: undefined, inHand: [] }));
    this.#pollMs = Math.max(100, Math.min(1000, o.leaseMs / 4));
    this.#maxPollMs = Math.max(this.#pollMs, o.leaseMs / 4);
    this.#idlePollMs = this.#pollMs;
    this.#scanMs = this.#pollMs;
    this.#link = new QueueLink(o.url, o.queue, o.redisWaitMs, o.say);
  }

  async run(): Promise<WorkSummary> {
    await Promise.all(this.#workers.map((w) => this.#spawn(w)));
    this.#lastRenew = Date.now();
    try {
      for (;;) {
        if (this.#fatal) await this.#abort(this.#fatal);
        let done = false;
        let idle = false;
        await this.#link.exchange(async (q) => {
          // Each step is repeated as a whole if Redis goes away in the middle of it.
          await this.#acknowledge(q);
          await this.#reportCrashes(q);
          const held = this.#held();
          await this.#renew(q, held);
          await this.#claim(q, held);
          if (this.#empty(held)) {
            idle = true;
            done = await this.#jobOver(q);
          }
        });
        if (done) break;
        this.#idlePollMs = idle ? Math.min(this.#maxPollMs, this.#idlePollMs) : this.#pollMs;
        // Replacements for workers that died: never while a connection is open.
        if (this.#workers.some((w) => !w.child)) await this.#link.close();
        if (this.#workers.some((w) => !w.child)) await this.#respawn();
        this.#feedAll();
        if (this.#finished.length === 0 && this.#crashed.length === 0) await this.#wait(idle);
      }
    } finally {
      await this.#link.close();
    }
    for (const w of this.#workers) w.child?.send({ type: 'stop' } satisfies RangeMessage);
    await Promise.all(this.#workers.map((w) => w.child?.exited ?? Promise.resolve()));
    return this.#summary;
  }

  async #abort(error: CowloopError): Promise<never> {
    for (const w of this.#workers) w.child?.kill('SIGKILL');
    await Promise.all(this.#workers.map((w) => w.child?.exited ?? Promise.resolve()));
    throw error;
  }

  #nudge(): void {
    this.#wake?.();
  }

  /** Until something happens (a range ends, a worker dies, a batch is placed), or a renewal or poll is due. */
  async #wait(idle: boolean): Promise<void> {
    const busy = this.#workers.some((w) => w.inHand.length) || this.#placing.size > 0;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, busy ? this.#o.leaseMs / 3 : this.#idlePollMs);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.#wake = undefined;
    if (idle) this.#idlePollMs *= 2;
  }

  // --- Workers -------------------------------------------------------------------------

  async #spawn(w: Worker): Promise<void> {
    this.#shared.resetWorker(w.index);
    const child = await fork((ctx) => rangeWorker(this.#o.loop, this.#io, this.#shared, w.index, ctx), { index: w.index, title: `cowloop: range worker ${w.index}` });
    w.child = child;
    child.on('message', (m: unknown) => this.#onMessage(w, m as WorkerMessage | RangeResultMessage));
    child.result.catch((error: unknown) => this.#onDeath(w, error));
  }

  #onMessage(w: Worker, msg: WorkerMessage | RangeResultMessage): void {
    const held = w.inHand.find((h) => h.order.id === msg.id);
    if (!held) return;
    if (msg.type === 'range-result') held.result = msg.result;
    else if (msg.type === 'range-done') {
      w.inHand = w.inHand.filter((h) => h !== held);
      // The spare range goes to the worker now, not after the next exchange with Redis.
      this.#feed(w);
      this.#place(held);
      this.#nudge();
    }
  }

  #onDeath(w: Worker, error: unknown): void {
    // The range at the event it was running failed here; the other in hand go to another worker.
    const blamed = blameRange(w.inHand, this.#shared.inFlight(w.index), (h) => h.range);
    const failed = blamed?.failed;
    const why = error instanceof Error ? error.message : String(error);
    if (blamed && failed) this.#crashed.push({ held: failed, failure: { node: this.#node, event: blamed.event, why } });
    else if (tooManyIdleDeaths(++this.#idleDeaths, this.#o.workers)) {
      this.#fatal ??= new CowloopError(ErrorCodes.ERR_COWLOOP_WORKER_FAILED, `range workers died ${this.#idleDeaths} times without a range in hand; giving up (${why})`);
    }
    this.#ready.unshift(...w.inHand.filter((h) => h !== failed));
    w.inHand = [];
    w.child = undefined;
    this.#nudge();
  }

  /** Forks replacements once no file system request is pending, then resumes what waited for the fork. */
  async #respawn(): Promise<void> {
    this.#forking = true;
    try {
      while (this.#inflight.size) await Promise.allSettled([...this.#inflight]);
      for (const w of this.#workers) if (!w.child) await this.#spawn(w);
    } finally {
      this.#forking = false;
    }
    for (const held of this.#deferred.splice(0)) {
      this.#preparing.delete(held);
      this.#prepare(held);
    }
    this.#placeBatch();
  }

  /** Keeps a file system request in view, so a fork can wait for it. */
  #track<T>(p: Promise<T>): Promise<T> {
    this.#inflight.add(p);
    const forget = (): void => void this.#inflight.delete(p);
    p.then(forget, forget);
    return p;
  }

  // --- Feeding ranges --------------------------------------------------------------------

  // The partial directory is made off the master's loop (a mkdir can wait for the file
  // system's journal behind the syncs of placement); the range is ready once it exists.
  #prepare(held: Held): void {
    this.#preparing.add(held);
    if (this.#forking) {
      this.#deferred.push(held);
      return;
    }
    this.#track(preparePartial(held.order.dir)).then(
      () => {
        this.#preparing.delete(held);
        this.#ready.push(held);
        this.#feedAll();
        this.#nudge();
      },
      (error: unknown) => {
        this.#preparing.delete(held);
        this.#fatal ??= outputError(`cannot make ${held.order.dir}`, error);
        this.#nudge();
      },
    );
  }

  /** Up to two ranges in hand: the worker starts the next as soon as it ends one, without waiting for the master. */
  #feed(w: Worker): void {
    while (w.child && w.inHand.length < IN_HAND && this.#ready.length) {
      const held = this.#ready.shift()!;
      held.started = new Date();
      w.inHand.push(held);
      w.child.send({ type: 'range', ...held.order } satisfies RangeMessage & RangeOrder);
    }
  }

  #feedAll(): void {
    for (const w of this.#workers) this.#feed(w);
  }

  // --- Placing finished ranges -----------------------------------------------------------

  #place(held: Held): void {
    this.#placing.add(held);
    this.#toPlace.push(held);
    this.#placeBatch();
  }

  // Ranges finished while a batch is being placed wait for the next batch: one wave of
  // syncs (files, manifests, directories) for all of them, before any is acknowledged.
  #placeBatch(): void {
    if (this.#batchRunning || this.#forking || this.#toPlace.length === 0) return;
    this.#batchRunning = true;
    const batch = this.#toPlace;
    this.#toPlace = [];
    const results = batch.map((h) => h.result ?? { processed: 0, failed: 0, failedEvents: [] });
    const o = this.#o;
    this.#track(placeRanges(o.out, o.meta, batch.map((h, i) => ({ partial: h.order.dir, range: h.range, result: results[i]!, started: h.started }))))
      .then(
        (placed) => {
          batch.forEach((held, i) => {
            held.placed = placed[i]!;
            if (held.placed) {
              this.#summary.ranges++;
              this.#summary.processed += results[i]!.processed;
            } else this.#summary.duplicates++;
            this.#finished.push(held);
          });
        },
        (error: unknown) => {
          // Not acknowledged: their leases run out and other nodes run them again.
          this.#fatal ??= outputError(`cannot place finished ranges under ${rangesDir(o.out)}`, error);
        },
      )
      .finally(() => {
        for (const held of batch) this.#placing.delete(held);
        this.#batchRunning = false;
        this.#placeBatch();
        this.#nudge();
      });
  }

  // --- The steps of an exchange with Redis -------------------------------------------------

  /** Placed ranges, acknowledged together; kept until Redis has taken them all. */
  async #acknowledge(q: RangeQueue): Promise<void> {
    if (!this.#finished.length) return;
    const batch = this.#finished.slice();
    const done = batch.map((h) => ({ range: h.range, events: h.placed ? (h.result?.processed ?? 0) : 0 }));
    this.#counts = (await q.completeAll(this.#node, done)) ?? this.#counts;
    this.#finished.splice(0, batch.length);
  }

  /** Each crashed range recorded as failed here, then poisoned or handed back; removed only once done. */
  async #reportCrashes(q: RangeQueue): Promise<void> {
    const o = this.#o;
    while (this.#crashed.length) {
      const { held, failure } = this.#crashed[0]!;
      fs.rmSync(held.order.dir, { recursive: true, force: true, maxRetries: 3 });
      const r = held.range;
      this.#failedIds.add(r.id);
      this.#failedRanges.set(r.id, r);
      const failures = await q.fail(r, failure);
      const decision = decideFailure(r, failure, failures, o.maxFailures);
      if (decision.kind === 'poison') {
        await q.poison(r, failures);
      } else {
        await q.release(this.#node, [r.id], o.leaseMs);
        this.#summary.failedHere.push({ first: r.first, end: r.end, event: failure.event, why: failure.why });
      }
      o.say(decision.line);
      this.#crashed.shift();
    }
  }

  /** The ranges this node holds before they are finished: those it must keep leased and that count against what it claims. */
  #held(): Held[] {
    return [...this.#preparing, ...this.#ready, ...this.#workers.flatMap((w) => w.inHand)];
  }

  /** Every lease/3, the leases of the ranges held and being placed (a range is acknowledged only once placed). */
  async #renew(q: RangeQueue, held: Held[]): Promise<void> {
    if (Date.now() - this.#lastRenew < this.#o.leaseMs / 3) return;
    await q.renew(this.#node, [...held, ...this.#placing].map((h) => h.range.id));
    this.#lastRenew = Date.now();
  }

  /** Ranges for the free places: two in hand per worker, and one spare while the queue is far from empty. */
  async #claim(q: RangeQueue, held: Held[]): Promise<void> {
    const o = this.#o;
    const want = rangesToClaim(o.workers, held.length, this.#counts);
    if (want <= 0) return;
    const scan = Date.now() >= this.#nextScan;
    const { ranges, counts } = await q.claim(this.#node, want, o.leaseMs, this.#failedIds, scan);
    this.#counts = counts ?? this.#counts;
    if (scan && ranges.length < want) {
      // Back off: the next look for expired leases waits twice as long, up to lease/4.
      this.#nextScan = Date.now() + this.#scanMs;
      this.#scanMs = Math.min(this.#maxPollMs, this.#scanMs * 2);
    }
    for (const range of ranges) {
      // A lease of its own that ran out before it was renewed (a slow loop): still here, the claim renewed it.
      if (held.some((h) => h.range.id === range.id)) continue;
      const order: RangeOrder = { id: Number(range.index), first: range.first, count: range.end - range.first, dir: partialRangeDir(o.out, range) };
      this.#prepare({ range, order, started: new Date() });
    }
  }

  /** Nothing held (as the exchange began), being placed, to report or to acknowledge: the node may be done. */
  #empty(held: Held[]): boolean {
    return this.#ready.length === 0 && held.length === 0 && this.#placing.size === 0 && this.#crashed.length === 0 && this.#finished.length === 0;
  }

  /** The job is over for this node when no range is unread or leased but those that failed here; then the summary's end figures. */
  async #jobOver(q: RangeQueue): Promise<boolean> {
    const leased = await q.over(this.#failedIds);
    if (!leased) return false;
    this.#summary.poison = await q.poisoned();
    const doneNow = await q.done();
    this.#summary.waiting = [...this.#failedRanges.values()].filter((r) => leased.includes(r.id) && !doneNow.has(r.index)).map((r) => ({ first: r.first, end: r.end }));
    // Complete: nothing leased anywhere, no range given up, every range placed by some node.
    const complete = leased.length === 0 && this.#summary.poison.length === 0 && doneNow.size >= this.#o.meta.ranges;
    if (this.#o.merge && complete) {
      const node = await q.claimMerge(this.#node);
      this.#summary.merger = { node, mine: node === this.#node };
    }
    return true;
  }
}

function outputError(what: string, error: unknown): CowloopError {
  return new CowloopError(ErrorCodes.ERR_COWLOOP_IO_OUTPUT, `${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}
