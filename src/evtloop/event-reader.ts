// How a worker reads event n from the selector: by random access when it has it, else by
// seeking and reading forward.
import type { EventRecord, EventSource } from '../framework/event-source.js';

/** What the reader gives for a record the selector skipped as bad. */
export const SKIPPED = Symbol('skipped record');

/**
 * Random access when the selector has it, else seek + next (reading forward). Returns the
 * record itself when the selector is synchronous, a promise only when it is not.
 */
export function eventReader(
  s: EventSource,
): (n: number) => EventRecord | null | typeof SKIPPED | Promise<EventRecord | null | typeof SKIPPED> {
  const size = s.count?.();
  if (typeof s.readOrSkip === 'function' && typeof s.read === 'function') {
    // A bad record that the selector's policy skips is SKIPPED, not the end of the input.
    return (n) => {
      if (size !== undefined && n >= size) return null;
      const r = s.readOrSkip!(n); // a promise from an asynchronous reader (ROOT input)
      return r instanceof Promise ? r.then((x) => x ?? SKIPPED) : (r ?? SKIPPED);
    };
  }
  if (typeof s.read === 'function') {
    return (n) => (size !== undefined && n >= size ? null : s.read!(n));
  }
  let expected = -1;
  const forward = async (n: number, pending: Promise<EventRecord | null>): Promise<EventRecord | null> => {
    let record = await pending;
    while (record !== null && record.number < n) record = await s.next();
    return record;
  };
  return (n) => {
    if (n !== expected && s.seek) {
      const sought = s.seek(n);
      if (sought instanceof Promise) return sought.then(() => forward(n, Promise.resolve(s.next())));
    }
    expected = n + 1;
    const next = s.next();
    if (next instanceof Promise) return forward(n, next);
    let record = next;
    while (record !== null && record.number < n) {
      const again = s.next();
      if (again instanceof Promise) return forward(n, again);
      record = again;
    }
    return record;
  };
}
