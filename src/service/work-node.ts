// One node of a queued job (`cowloop work`): the master, initialised once, takes ranges
// from the queue and runs each in a forked child (up to `workers` at a time), puts each
// finished range in place whole and only then acknowledges it. It talks to Redis between
// forks only, with a connection it closes before forking. It ends when no range is left
// unread or leased; a range leased by a node that died returns after the lease time.
import * as fs from 'node:fs';
import type { EventLoopMgr } from '../evtloop/event-loop-mgr.js';
import { IoComponentMgr } from '../io/io-component-mgr.js';
import { fork } from '../process/fork.js';
import type { ForkedChild } from '../process/forked-child.js';
import { CowloopError, ErrorCodes } from '../errors.js';
import { hostName } from '../shard/layout.js';
import { partialRangeDir, placeRange, rangesDir } from './range-dir.js';
import { RangeQueue, type QueueMeta, type QueuedRange } from './range-queue.js';
import { runRange, type RangeResult } from './range-run.js';

export interface WorkOptions {
  loop: EventLoopMgr;
  url: string;
  queue: string;
  meta: QueueMeta;
  out: string;
  workers: number;
  leaseMs: number;
  say: (line: string) => void;
}

export interface WorkSummary {
  ranges: number;
  duplicates: number;
  processed: number;
  failed: Array<{ first: number; end: number; why: string }>;
}

interface Running {
  range: QueuedRange;
  dir: string;
  started: Date;
  child: ForkedChild<RangeResult>;
  settled?: { result?: RangeResult; error?: unknown };
}

const BACKOFF_MS = [250, 500, 1000, 2000, 4000, 8000];

export async function workNode(o: WorkOptions): Promise<WorkSummary> {
  const io = new IoComponentMgr();
  io.ioRegisterAll(o.loop.application.components());
  await o.loop.application.prefork();
  fs.mkdirSync(rangesDir(o.out), { recursive: true });
  const consumer = `${hostName()}:${process.pid}`;
  const running = new Map<string, Running>();
  const summary: WorkSummary = { ranges: 0, duplicates: 0, processed: 0, failed: [] };
  let wake: (() => void) | undefined;
  // Waiting for leases held elsewhere: often enough to take a lost range soon after it expires.
  const pollMs = Math.max(100, Math.min(1000, o.leaseMs / 4));

  for (;;) {
    const claimed: QueuedRange[] = [];
    let finished = false;
    await withQueue(o, async (q) => {
      for (const [id, r] of running) {
        if (!r.settled) continue;
        running.delete(id);
        if (r.settled.result) {
          if (placeRange(o.out, r.dir, r.range, o.meta, r.settled.result, r.started)) {
            summary.ranges++;
            summary.processed += r.settled.result.processed;
          } else summary.duplicates++;
          await q.ack(id);
        } else {
          // Not acknowledged: the lease runs out and another node (or this one) takes it again.
          fs.rmSync(r.dir, { recursive: true, force: true, maxRetries: 3 });
          const why = r.settled.error instanceof Error ? r.settled.error.message : String(r.settled.error);
          summary.failed.push({ first: r.range.first, end: r.range.end, why });
          o.say(`cowloop: range [${r.range.first}, ${r.range.end}) failed: ${why}`);
        }
      }
      await q.renew(consumer, [...running.keys()]);
      // A node whose range failed takes no more: the range goes back to the queue for another node.
      const free = summary.failed.length ? 0 : o.workers - running.size;
      if (free > 0) claimed.push(...(await q.claim(consumer, free, o.leaseMs)));
      if (claimed.length === 0 && running.size === 0) finished = summary.failed.length > 0 || (await q.leased()) === 0;
    });
    if (finished) break;
    for (const range of claimed) {
      const dir = partialRangeDir(o.out, range);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir);
      const child = await fork((/* in the child */) => runRange(o.loop, io, range, dir), { title: `cowloop: range ${range.first}-${range.end - 1}` });
      const r: Running = { range, dir, started: new Date(), child };
      running.set(range.id, r);
      child.result.then(
        (result) => (r.settled = { result }),
        (error: unknown) => (r.settled = { error }),
      ).finally(() => wake?.());
    }
    // Until a child ends, or the time to renew the leases (or look again for work) comes.
    if (![...running.values()].some((r) => r.settled)) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, running.size ? o.leaseMs / 3 : pollMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  }
  return summary;
}

/** One exchange with Redis; when it cannot be reached, tries again with back-off and says so. */
async function withQueue(o: WorkOptions, exchange: (q: RangeQueue) => Promise<void>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    let q: RangeQueue | undefined;
    try {
      q = await RangeQueue.open(o.url, o.queue);
      await exchange(q);
      return;
    } catch (error) {
      if (!(error instanceof CowloopError) || error.code !== ErrorCodes.ERR_COWLOOP_QUEUE || attempt >= BACKOFF_MS.length) throw error;
      const ms = BACKOFF_MS[attempt]!;
      o.say(`cowloop: ${error.message}; trying again in ${ms} ms`);
      await new Promise((resolve) => setTimeout(resolve, ms));
    } finally {
      await q?.close();
    }
  }
}
