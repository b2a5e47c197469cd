// The contract between the event loops and the inputs. The service named "EventSelector"
// (an event selector written for NDJSON, CSV, a generator, ...) implements EventSource.
//
// Rules every source follows, so serial and multi-process runs see the same events:
// - `number` is the 0-based position of the record in the whole input (across files), and
//   never depends on skipping, EvtMax or which process reads it.
// - Sources do not apply SkipEvents themselves: the event loop does (by `seek` when the
//   source has it, by reading and discarding otherwise).
// - `open` may be called again after `close` (a forked worker re-opens its inputs).
import type { EventStore } from './event-store.js';

export interface EventRecord {
  /** 0-based position of the event in the input. */
  number: number;
  /** Run number, when the input carries one (used for per-event random seeds). */
  run?: number;
  /** The event's payload as read (a parsed NDJSON object, a CSV row, a generated value). */
  data: unknown;
}

export interface EventSource {
  open(): void | Promise<void>;
  /** The next record, or null at the end of the input. */
  next(): EventRecord | null | Promise<EventRecord | null>;
  close(): void | Promise<void>;
  /** Positions the source so the next record returned is `number` (optional, speeds up skipping). */
  seek?(number: number): void | Promise<void>;
  /** Total number of records when known without reading them all. */
  count?(): number | undefined;

  // Optional random access, which the multi-process loop's workers use when a source has it
  // (they fall back to seek + next otherwise). Each may return a promise when the source
  // reads asynchronously (ROOT input), the record itself otherwise.

  /** Event `number` by position. */
  read?(number: number): EventRecord | Promise<EventRecord>;
  /** Like read(), but a bad record that the source's policy skips (logged and counted by it) gives null. */
  readOrSkip?(number: number): EventRecord | null | Promise<EventRecord | null>;
  /** Each input file's range of event numbers (the "files" strategy gives file i to worker i mod N). */
  files?(): ReadonlyArray<EventFileRange>;
  /** Records this process skipped as bad (a forked worker: since its fork). */
  readonly skippedRecords?: ReadonlyArray<{ event: number }>;
}

/** The events of one input file: `first` .. `first + count - 1`. */
export interface EventFileRange {
  first: number;
  count: number;
}

export function isEventSource(value: unknown): value is EventSource {
  const v = value as Partial<EventSource> | null;
  return !!v && typeof v.open === 'function' && typeof v.next === 'function' && typeof v.close === 'function';
}

/** What an algorithm sees of one event. */
export interface EventContext {
  /** 0-based position of the event in the input. */
  readonly number: number;
  readonly run: number;
  /** The input record's payload. */
  readonly data: unknown;
  /** The transient store of this event. */
  readonly store: EventStore;
}
