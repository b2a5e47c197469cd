// Which events a worker processes, per dispatch strategy. Event numbers are positions in
// the input; [start, end) is the part the workers share (after SkipEvents, the events the
// master ran before forking, and EvtMax).
import type { SharedClaims } from '../shm/shared-claims.js';

export const STRATEGIES = ['sharedqueue', 'roundrobin', 'ranges', 'files'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export interface EventSpace {
  start: number;
  /** Exclusive; Infinity when the input's size is unknown (read until its end). */
  end: number;
  workers: number;
  chunkSize: number;
  /** Per input file, its event numbers [first, first + count). */
  files: ReadonlyArray<{ first: number; count: number }>;
}

/** What one worker (or its replacement) is given at the fork. */
export interface WorkerPlan {
  index: number;
  /** Unique per forked child (from 1): marks the sharedqueue chunks it claimed. */
  id: number;
  /** The first event number this child may take (a recycled worker's successor resumes here). */
  from: number;
  /** sharedqueue: chunks this worker must redo before claiming more (a crashed one's). */
  inheritedChunks: number[];
  /** Events never to run (poison events that killed too many workers). */
  skip: number[];
}

/** Event numbers for the strategies decided at the fork (all but "ranges"). */
export function* plannedEvents(
  strategy: Exclude<Strategy, 'ranges'>,
  space: EventSpace,
  plan: WorkerPlan,
  shared: SharedClaims,
  /** sharedqueue: asked before each new claim; false stops (a worker about to be recycled). */
  mayClaim: () => boolean = () => true,
): Generator<number> {
  const { start, end, workers } = space;
  if (strategy === 'roundrobin') {
    let e = start + plan.index;
    if (e < plan.from) e += Math.ceil((plan.from - e) / workers) * workers;
    for (; e < end; e += workers) yield e;
    return;
  }
  if (strategy === 'files') {
    for (let f = plan.index; f < space.files.length; f += workers) {
      const file = space.files[f]!;
      const from = Math.max(start, file.first, plan.from);
      const to = Math.min(end, file.first + file.count);
      for (let e = from; e < to; e++) yield e;
    }
    return;
  }
  // sharedqueue: chunk c covers [start + c * size, start + (c + 1) * size).
  const chunkEvents = function* (c: number): Generator<number> {
    const from = start + c * space.chunkSize;
    const to = Math.min(end, from + space.chunkSize);
    for (let e = from; e < to; e++) yield e;
  };
  shared.giveChunks(plan.inheritedChunks, plan.id);
  for (const c of plan.inheritedChunks) yield* chunkEvents(c);
  while (mayClaim()) {
    const c = shared.claimChunk(plan.id);
    if (start + c * space.chunkSize >= end) return;
    yield* chunkEvents(c);
  }
}

/** Number of sharedqueue chunks in the space (0 when its size is unknown). */
export function chunkCount(space: Pick<EventSpace, 'start' | 'end' | 'chunkSize'>): number {
  return Number.isFinite(space.end) ? Math.ceil(Math.max(0, space.end - space.start) / space.chunkSize) : 0;
}

/** The ranges strategy's work units: [first, count) pieces of ChunkSize events. */
export function rangeList(space: EventSpace): Array<{ id: number; first: number; count: number }> {
  const out: Array<{ id: number; first: number; count: number }> = [];
  for (let first = space.start, id = 0; first < space.end; first += space.chunkSize, id++) {
    out.push({ id, first, count: Math.min(space.chunkSize, space.end - first) });
  }
  return out;
}
