// A long-lived worker of a queued job's node, forked once from the initialised master: it
// runs the ranges the master sends it (the ranges strategy's protocol, src/evtloop/range-feed.ts).
// Around each range it re-opens the outputs in the range's partial directory and, at its
// end, writes and closes them there (unsynced), so that each range's directory is whole on
// its own; then it tells the master what the range did, before the range is reported done.
import { eventReader, SKIPPED } from '../evtloop/event-reader.js';
import type { EventLoopMgr } from '../evtloop/event-loop-mgr.js';
import { processRanges } from '../evtloop/range-feed.js';
import { HistogramSvc } from '../framework/services/histogram-svc.js';
import type { IoComponentMgr } from '../io/io-component-mgr.js';
import type { ChildContext } from '../process/child-context.js';
import type { SharedClaims } from '../shm/shared-claims.js';

export interface RangeResult {
  processed: number;
  failed: number;
  failedEvents: number[];
}

/** What the master sends for a range: the ranges strategy's message, with where its outputs go. */
export interface RangeOrder {
  id: number;
  first: number;
  count: number;
  dir: string;
}

/** Sent before the strategy's 'range-done' of the same range. */
export interface RangeResultMessage {
  type: 'range-result';
  id: number;
  result: RangeResult;
}

export async function rangeWorker(loop: EventLoopMgr, io: IoComponentMgr, shared: SharedClaims, index: number, ctx: ChildContext): Promise<{ processed: number }> {
  process.title = `cowloop: range worker ${index}`;
  // Ctrl-C reaches the whole process group: the master decides.
  process.on('SIGINT', () => {});
  const selector = loop.selector;
  let read = eventReader(selector);
  let result: RangeResult = { processed: 0, failed: 0, failedEvents: [] };
  let total = 0;
  const runOne = async (n: number): Promise<boolean> => {
    const pending = read(n);
    const record = pending instanceof Promise ? await pending : pending;
    if (record === null) return false;
    if (record === SKIPPED) return true;
    shared.setInFlight(index, n);
    const outcome = await loop.executeEvent(record);
    shared.setInFlight(index, -1);
    shared.countDone(index, outcome.ok);
    result.processed++;
    total++;
    if (!outcome.ok) {
      result.failed++;
      result.failedEvents.push(record.number);
    }
    return true;
  };
  const report = { stopped: false, recycled: false };
  let inputOpen = false;
  const notSelector = (c: unknown): boolean => c !== selector;
  await processRanges<RangeOrder>(ctx, shared, runOne, report, () => false, {
    begin: async (order) => {
      // The input is re-opened by the worker's first range only and stays open: later ranges
      // only move the selector to their first event.
      await io.ioReinit({ workerIndex: index, workerDir: order.dir }, inputOpen ? notSelector : undefined);
      inputOpen = true;
      await selector.open();
      read = eventReader(selector);
      result = { processed: 0, failed: 0, failedEvents: [] };
    },
    end: async (m) => {
      // Histograms are written at finalize in a run; here the range ends them. Nothing is
      // synced here: the master makes the range's directory durable while this worker
      // runs its next range.
      for (const c of io.components) if (c instanceof HistogramSvc) c.write({ durable: false });
      await io.ioFinalize(notSelector);
      ctx.send({ type: 'range-result', id: m.id, result } satisfies RangeResultMessage);
    },
  });
  return { processed: total };
}
