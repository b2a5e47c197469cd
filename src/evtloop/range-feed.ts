// The ranges strategy: the master sends each worker ranges of events over its channel,
// keeping two in hand per worker so it never waits; a worker says when one is done.
import type { ChildContext } from '../process/child-context.js';
import type { SharedClaims } from '../shm/shared-claims.js';
import type { Range, Slot } from './slot.js';
import type { WorkerReport } from './worker.js';

/** Messages of the ranges strategy. */
export type RangeMessage = ({ type: 'range' } & Range) | { type: 'stop' };
export type WorkerMessage = { type: 'range-done'; id: number };

const IN_HAND = 2;

export class RangeFeed {
  readonly #ranges: readonly Range[];
  #next = 0;
  readonly #shared: SharedClaims;

  constructor(ranges: readonly Range[], shared: SharedClaims) {
    this.#ranges = ranges;
    this.#shared = shared;
  }

  /** Tops the slot's child up to two ranges (those of a predecessor first); stops it when none is left. */
  feed(slot: Slot): void {
    const child = slot.child;
    if (!child) return;
    while (slot.pending.length < IN_HAND && !this.#shared.stopRequested) {
      const upcoming = slot.resend[0] ?? this.#ranges[this.#next];
      if (!upcoming || upcoming.first >= this.#shared.eventLimit) break; // nothing from a bad record on
      const range = slot.resend.shift() ?? this.#ranges[this.#next++]!;
      slot.given.push(range);
      slot.pending.push(range);
      child.send({ type: 'range', ...range } satisfies RangeMessage);
    }
    if (slot.pending.length === 0) child.send({ type: 'stop' } satisfies RangeMessage);
  }

  /** A worker finished a range: it is no longer pending, and the worker gets the next. */
  onMessage(slot: Slot, message: unknown): void {
    const m = message as WorkerMessage;
    if (m.type !== 'range-done') return;
    slot.pending = slot.pending.filter((r) => r.id !== m.id);
    this.feed(slot);
  }
}

/**
 * Called around each range a worker runs, `end` before the master hears the range is done
 * (a run's worker writes its buffered outputs there; a queued job's worker opens and
 * closes the range's outputs).
 */
export interface RangeHooks<R extends Range = Range> {
  begin?(range: R): Promise<void>;
  end?(range: R): Promise<void> | void;
}

/** The worker's side: runs the ranges it is sent until told to stop (or it is time to recycle). */
export async function processRanges<R extends Range = Range>(
  ctx: ChildContext,
  shared: SharedClaims,
  runOne: (n: number) => Promise<boolean>,
  report: Pick<WorkerReport, 'stopped' | 'recycled'>,
  timeToRecycle: () => boolean,
  hooks: RangeHooks<R> = {},
): Promise<void> {
  // What the master sends: its own ranges, or a queued job's orders with more fields.
  type Message = ({ type: 'range' } & R) | { type: 'stop' };
  const inbox: Message[] = [];
  let wake: (() => void) | undefined;
  const onMessage = (m: unknown) => {
    inbox.push(m as Message);
    wake?.();
  };
  ctx.on('message', onMessage);
  try {
    for (;;) {
      while (inbox.length === 0) await new Promise<void>((r) => (wake = r));
      const m = inbox.shift()!;
      if (m.type === 'stop') return;
      await hooks.begin?.(m);
      for (let n = m.first; n < m.first + m.count; n++) {
        if (shared.stopRequested) {
          report.stopped = true;
          return;
        }
        if (!(await runOne(n))) break;
      }
      await hooks.end?.(m);
      ctx.send({ type: 'range-done', id: m.id } satisfies WorkerMessage);
      if (timeToRecycle()) {
        report.recycled = true; // ranges already sent to it go to its successor
        return;
      }
    }
  } finally {
    ctx.off('message', onMessage);
  }
}
