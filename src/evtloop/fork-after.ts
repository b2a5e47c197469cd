// MpEventLoopMgr.ForkAfterEvents: how many events the master runs itself before forking.
// "auto" (the default) runs them until the growth the master can see (V8's code, its own
// resident memory) stops, within caps (src/mem/warm-up.ts); a number runs exactly that many.
import { PropertyValueError, type PropertySpec } from '../framework/properties.js';

export type ForkAfter = number | 'auto';

/** With "auto", the master runs at most this share of the run's events (the rest of them in parallel). */
export const AUTO_MAX_SHARE = 0.05;
/** ... and at most this many events, and for at most this long. */
export const AUTO_MAX_EVENTS = 1000;
export const AUTO_MAX_MS = 2000;

const TYPE = 'int >= 0 or "auto"';

export function forkAfterProperty(doc: string): PropertySpec<ForkAfter> {
  return Object.freeze({
    kind: 'int' as const,
    default: 'auto' as ForkAfter,
    doc,
    typeName: TYPE,
    convert(value: unknown): ForkAfter {
      if (value === 'auto') return 'auto';
      if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
      throw new PropertyValueError(`expected ${TYPE}, got ${typeof value === 'string' ? JSON.stringify(value) : `${typeof value} ${String(value)}`}`);
    },
  });
}

/** The most events "auto" lets the master run, for a run of `events` events (Infinity: unknown). */
export function autoEventCap(events: number): number {
  if (!Number.isFinite(events)) return AUTO_MAX_EVENTS;
  return Math.min(AUTO_MAX_EVENTS, Math.floor(events * AUTO_MAX_SHARE));
}
