// Which events a shard processes: the i-th of N contiguous shares of [first, end), the
// events after SkipEvents up to EvtMax. By events, the shares differ by at most one event;
// by files, each shard takes whole input files (a contiguous group of them), cut to
// [first, end) like the multi-process loop's "files" strategy.
import { CowloopError, ErrorCodes } from '../errors.js';
import type { ShardSpec } from './spec.js';

export type ShardBy = 'events' | 'files';

export interface EventRange {
  first: number;
  /** Exclusive. */
  end: number;
}

export interface JobSpace {
  /** The whole job's events: [SkipEvents, min(size, SkipEvents + EvtMax)). */
  job: EventRange;
  /** Per input file, its event numbers [first, first + count) (for sharding by files). */
  files: ReadonlyArray<{ first: number; count: number }>;
}

export function jobRange(size: number | undefined, skip: number, evtMax: number): EventRange {
  if (size === undefined || !Number.isFinite(size)) {
    throw new CowloopError(
      ErrorCodes.ERR_COWLOOP_SHARD,
      'the event selector does not tell how many events its input holds before reading it; --shard needs that count to split the job',
    );
  }
  const first = Math.min(skip, size);
  const end = evtMax < 0 ? size : Math.min(size, skip + evtMax);
  return { first, end: Math.max(first, end) };
}

export function shardRange(space: JobSpace, shard: ShardSpec, by: ShardBy): EventRange {
  const { first, end } = space.job;
  if (by === 'events') {
    const total = end - first;
    const share = (k: number): number => first + Math.floor((total * k) / shard.count);
    return { first: share(shard.index), end: share(shard.index + 1) };
  }
  // Files that hold at least one event of the job, then a contiguous group of them.
  const files = space.files.filter((f) => f.first + f.count > first && f.first < end);
  if (files.length === 0) return { first, end: first };
  const from = Math.floor((files.length * shard.index) / shard.count);
  const to = Math.floor((files.length * (shard.index + 1)) / shard.count);
  if (from === to) {
    // More shards than files: this one is empty, placed where the next one starts.
    const at = from < files.length ? Math.max(first, files[from]!.first) : end;
    return { first: at, end: at };
  }
  const a = files[from]!;
  const b = files[to - 1]!;
  return { first: shard.index === 0 ? first : Math.max(first, a.first), end: shard.index === shard.count - 1 ? end : Math.min(end, b.first + b.count) };
}
