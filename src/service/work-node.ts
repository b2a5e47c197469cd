// One node of a queued job (`cowloop work`): the master, initialised once, forks its
// workers once, then takes ranges from the queue and hands them to those long-lived
// workers (two in hand each, as the ranges strategy does). A finished range is made durable
// and put in place whole, and only then acknowledged; that is done asynchronously, while
// its worker runs its next range. Only the master talks to Redis, on one
// connection opened after the workers are forked and closed before any later fork (a
// replacement after a crash). The node ends when no range is left unread or leased, except
// those that failed here (another node must take them); while it waits for leases held
// elsewhere it asks less and less often.
//
// A worker that dies fails the range it was running on this node: the failure is recorded
// in Redis with the event it was at, and the range handed back at once; a range that failed
// on MaxFailures different nodes is poison: acknowledged without outputs and reported.
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
import { type PoisonRange, type QueueMeta, type QueuedRange, type RangeFailure } from './range-queue.js';
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

const IN_HAND = 2;
/** Ranges claimed beyond those in the workers' hands: a worker that finishes one gets the next at once. */
const SPARE = 1;

export async function workNode(o: WorkOptions): Promise<WorkSummary> {
  const io = new IoComponentMgr();
  io.ioRegisterAll(o.loop.application.components());
  await o.loop.application.prefork();
  fs.mkdirSync(rangesDir(o.out), { recursive: true });
  const node = `${hostName()}:${process.pid}`;
  const shared = new SharedClaims(o.workers);
  const summary: WorkSummary = { ranges: 0, duplicates: 0, processed: 0, failedHere: [], poison: [], waiting: [] };
  const ready: Held[] = [];
  /** Claimed, their partial directories being made. */
  const preparing = new Set<Held>();
  /** Finished by their workers, being made durable and placed (a batch at a time). */
  const placing = new Set<Held>();
  let toPlace: Held[] = [];
  let batchRunning = false;
  /** Placed (or found in place): to acknowledge. */
  const finished: Held[] = [];
  const crashed: Array<{ held: Held; failure: RangeFailure }> = [];
  /** Entry ids of ranges that failed here: this node does not take them again. */
  const failedIds = new Set<string>();
  const failedRanges = new Map<string, QueuedRange>();
  const workers: Worker[] = Array.from({ length: o.workers }, (_, index) => ({ index, child: undefined, inHand: [] }));
  let wake: (() => void) | undefined;
  const nudge = (): void => wake?.();
  let idleDeaths = 0;
  let fatal: CowloopError | undefined;
  // Looking for leases that ran out walks the pending list in Redis (thousands of leases
  // with many nodes), so a node does it only when no unread range is left and at most
  // every scanMs: pollMs, then twice as long after each look that found too few, up to a
  // quarter of a lease (a lost range is taken at most lease/4 after it ran out). An idle
  // node polls on the same terms, and asks at once again after a range.
  const pollMs = Math.max(100, Math.min(1000, o.leaseMs / 4));
  const maxPollMs = Math.max(pollMs, o.leaseMs / 4);
  let idlePollMs = pollMs;
  let scanMs = pollMs;
  let nextScan = 0;
  const link = new QueueLink(o.url, o.queue, o.redisWaitMs, o.say);

  const spawn = async (w: Worker): Promise<void> => {
    shared.resetWorker(w.index);
    const child = await fork((ctx) => rangeWorker(o.loop, io, shared, w.index, ctx), { index: w.index, title: `cowloop: range worker ${w.index}` });
    w.child = child;
    child.on('message', (m: unknown) => {
      const msg = m as WorkerMessage | RangeResultMessage;
      const held = w.inHand.find((h) => h.order.id === msg.id);
      if (!held) return;
      if (msg.type === 'range-result') held.result = msg.result;
      else if (msg.type === 'range-done') {
        w.inHand = w.inHand.filter((h) => h !== held);
        // The spare range goes to the worker now, not after the next exchange with Redis.
        feed(w);
        place(held);
        nudge();
      }
    });
    child.result.catch((error: unknown) => {
      // The range at the event it was running failed here; the other in hand go to another worker.
      const event = shared.inFlight(w.index);
      const failed = w.inHand.find((h) => event >= h.range.first && event < h.range.end) ?? w.inHand[0];
      const why = error instanceof Error ? error.message : String(error);
      if (failed) crashed.push({ held: failed, failure: { node, event: event >= failed.range.first && event < failed.range.end ? event : -1, why } });
      else if (++idleDeaths > o.workers * 3) fatal ??= new CowloopError(ErrorCodes.ERR_COWLOOP_WORKER_FAILED, `range workers died ${idleDeaths} times without a range in hand; giving up (${why})`);
      ready.unshift(...w.inHand.filter((h) => h !== failed));
      w.inHand = [];
      w.child = undefined;
      nudge();
    });
  };

  // A fork is refused while file system requests are pending (a child must not inherit the
  // thread pool mid-request): placing and preparing pause around a replacement's fork.
  let forking = false;
  const inflight = new Set<Promise<unknown>>();
  const deferred: Held[] = [];
  const track = <T>(p: Promise<T>): Promise<T> => {
    inflight.add(p);
    const forget = (): void => void inflight.delete(p);
    p.then(forget, forget);
    return p;
  };
  const respawn = async (): Promise<void> => {
    forking = true;
    try {
      while (inflight.size) await Promise.allSettled([...inflight]);
      for (const w of workers) if (!w.child) await spawn(w);
    } finally {
      forking = false;
    }
    for (const held of deferred.splice(0)) {
      preparing.delete(held);
      prepare(held);
    }
    placeBatch();
  };

  // The partial directory is made off the master's loop (a mkdir can wait for the file
  // system's journal behind the syncs of placement); the range is ready once it exists.
  const prepare = (held: Held): void => {
    preparing.add(held);
    if (forking) {
      deferred.push(held);
      return;
    }
    track(preparePartial(held.order.dir)).then(
      () => {
        preparing.delete(held);
        ready.push(held);
        for (const w of workers) feed(w);
        nudge();
      },
      (error: unknown) => {
        preparing.delete(held);
        fatal ??= outputError(`cannot make ${held.order.dir}`, error);
        nudge();
      },
    );
  };

  const feed = (w: Worker): void => {
    while (w.child && w.inHand.length < IN_HAND && ready.length) {
      const held = ready.shift()!;
      held.started = new Date();
      w.inHand.push(held);
      w.child.send({ type: 'range', ...held.order } satisfies RangeMessage & RangeOrder);
    }
  };

  // Ranges finished while a batch is being placed wait for the next batch: one wave of
  // syncs for all of them.
  const placeBatch = (): void => {
    if (batchRunning || forking || toPlace.length === 0) return;
    batchRunning = true;
    const batch = toPlace;
    toPlace = [];
    const results = batch.map((h) => h.result ?? { processed: 0, failed: 0, failedEvents: [] });
    track(placeRanges(o.out, o.meta, batch.map((h, i) => ({ partial: h.order.dir, range: h.range, result: results[i]!, started: h.started }))))
      .then(
        (placed) => {
          batch.forEach((held, i) => {
            held.placed = placed[i]!;
            if (held.placed) {
              summary.ranges++;
              summary.processed += results[i]!.processed;
            } else summary.duplicates++;
            finished.push(held);
          });
        },
        (error: unknown) => {
          // Not acknowledged: their leases run out and other nodes run them again.
          fatal ??= outputError(`cannot place finished ranges under ${rangesDir(o.out)}`, error);
        },
      )
      .finally(() => {
        for (const held of batch) placing.delete(held);
        batchRunning = false;
        placeBatch();
        nudge();
      });
  };
  const place = (held: Held): void => {
    placing.add(held);
    toPlace.push(held);
    placeBatch();
  };

  await Promise.all(workers.map(spawn));
  let lastRenew = Date.now();
  try {
    for (;;) {
      if (fatal) {
        for (const w of workers) w.child?.kill('SIGKILL');
        await Promise.all(workers.map((w) => w.child?.exited ?? Promise.resolve()));
        throw fatal;
      }
      let done = false;
      let idle = false;
      await link.exchange(async (q) => {
        // Each step is repeated as a whole if Redis goes away in the middle of it.
        if (finished.length) {
          const batch = finished.slice();
          await q.completeAll(node, batch.map((h) => ({ range: h.range, events: h.placed ? (h.result?.processed ?? 0) : 0 })));
          finished.splice(0, batch.length);
        }
        while (crashed.length) {
          const { held, failure } = crashed[0]!;
          fs.rmSync(held.order.dir, { recursive: true, force: true, maxRetries: 3 });
          const r = held.range;
          failedIds.add(r.id);
          failedRanges.set(r.id, r);
          const failures = await q.fail(r, failure);
          const at = failure.event >= 0 ? ` at event ${failure.event}` : '';
          if (failures.length >= o.maxFailures) {
            await q.poison(r, failures);
            o.say(`cowloop: range [${r.first}, ${r.end}) failed on ${failures.length} nodes${at}: poison, given up (events ${eventsOf(failures)})`);
          } else {
            await q.release(node, [r.id], o.leaseMs);
            summary.failedHere.push({ first: r.first, end: r.end, event: failure.event, why: failure.why });
            o.say(`cowloop: range [${r.first}, ${r.end}) failed here${at} (on ${failures.length} of the ${o.maxFailures} nodes that make it poison): handed back; ${failure.why}`);
          }
          crashed.shift();
        }
        const held = [...preparing, ...ready, ...workers.flatMap((w) => w.inHand)];
        if (Date.now() - lastRenew >= o.leaseMs / 3) {
          await q.renew(node, [...held, ...placing].map((h) => h.range.id));
          lastRenew = Date.now();
        }
        const want = o.workers * IN_HAND + SPARE - held.length;
        if (want > 0) {
          const scan = Date.now() >= nextScan;
          const ranges = await q.claim(node, want, o.leaseMs, failedIds, scan);
          if (scan && ranges.length < want) {
            nextScan = Date.now() + scanMs;
            scanMs = Math.min(maxPollMs, scanMs * 2);
          }
          for (const range of ranges) {
            // A lease of its own that ran out before it was renewed (a slow loop): still here, the claim renewed it.
            if (held.some((h) => h.range.id === range.id)) continue;
            const order: RangeOrder = { id: Number(range.index), first: range.first, count: range.end - range.first, dir: partialRangeDir(o.out, range) };
            prepare({ range, order, started: new Date() });
          }
        }
        if (ready.length === 0 && held.length === 0 && placing.size === 0 && crashed.length === 0 && finished.length === 0) {
          idle = true;
          const leased = await q.over(failedIds);
          done = leased !== undefined;
          if (leased) {
            summary.poison = await q.poisoned();
            const doneNow = await q.done();
            summary.waiting = [...failedRanges.values()].filter((r) => leased.includes(r.id) && !doneNow.has(r.index)).map((r) => ({ first: r.first, end: r.end }));
          }
        }
      });
      if (done) break;
      idlePollMs = idle ? Math.min(maxPollMs, idlePollMs) : pollMs;
      // Replacements for workers that died: never while a connection is open.
      if (workers.some((w) => !w.child)) await link.close();
      if (workers.some((w) => !w.child)) await respawn();
      for (const w of workers) feed(w);
      if (finished.length === 0 && crashed.length === 0) {
        const busy = workers.some((w) => w.inHand.length) || placing.size > 0;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, busy ? o.leaseMs / 3 : idlePollMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
        if (idle) idlePollMs *= 2;
      }
    }
  } finally {
    await link.close();
  }
  for (const w of workers) w.child?.send({ type: 'stop' } satisfies RangeMessage);
  await Promise.all(workers.map((w) => w.child?.exited ?? Promise.resolve()));
  return summary;
}

function outputError(what: string, error: unknown): CowloopError {
  return new CowloopError(ErrorCodes.ERR_COWLOOP_IO_OUTPUT, `${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

function eventsOf(failures: RangeFailure[]): string {
  const events = [...new Set(failures.map((f) => f.event).filter((e) => e >= 0))].sort((a, b) => a - b);
  return events.length ? events.join(', ') : 'unknown: the workers died between events';
}
