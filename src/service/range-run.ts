// One range in a forked child of an initialised master: outputs re-opened in the range's
// partial directory, events [first, end) run with the serial loop's per-event step, then
// the components finalised (which flushes and closes the outputs there).
import type { EventLoopMgr } from '../evtloop/event-loop-mgr.js';
import { eventReader, SKIPPED } from '../evtloop/event-reader.js';
import type { IoComponentMgr } from '../io/io-component-mgr.js';
import type { QueuedRange } from './range-queue.js';

export interface RangeResult {
  processed: number;
  failed: number;
  failedEvents: number[];
}

export async function runRange(loop: EventLoopMgr, io: IoComponentMgr, range: QueuedRange, dir: string): Promise<RangeResult> {
  await io.ioReinit({ workerIndex: range.index, workerDir: dir });
  const selector = loop.selector;
  await selector.open();
  const read = eventReader(selector);
  const result: RangeResult = { processed: 0, failed: 0, failedEvents: [] };
  for (let n = range.first; n < range.end; n++) {
    const pending = read(n);
    const record = pending instanceof Promise ? await pending : pending;
    if (record === null) break;
    if (record === SKIPPED) continue;
    const outcome = await loop.executeEvent(record);
    result.processed++;
    if (!outcome.ok) {
      result.failed++;
      result.failedEvents.push(record.number);
    }
  }
  const app = loop.application;
  await app.stop();
  await app.finalize();
  await io.ioFinalize();
  return result;
}
