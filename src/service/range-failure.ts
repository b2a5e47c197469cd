// What a node decides when one of its range workers dies: the whole policy, as pure
// functions of what is known at that moment, so each case can be tested without a fork or
// a Redis server. The node (work-node.ts) carries the decisions out.
import type { QueuedRange, RangeFailure } from './range-queue.js';

/** The part of a range the decisions look at. */
type Span = Pick<QueuedRange, 'first' | 'end'>;

/**
 * Which of the ranges a dead worker had in hand failed, and at which event. The range that
 * holds the event the worker was running is the culprit; when the worker died between
 * events, the first in hand (the one it was running) is blamed at no event (-1). With
 * nothing in hand, nothing failed: the death is an idle one.
 */
export function blameRange<T>(inHand: readonly T[], inFlight: number, span: (h: T) => Span): { failed: T; event: number } | undefined {
  const holds = (h: T): boolean => inFlight >= span(h).first && inFlight < span(h).end;
  const failed = inHand.find(holds) ?? inHand[0];
  if (!failed) return undefined;
  return { failed, event: holds(failed) ? inFlight : -1 };
}

/** Workers may die with no range in hand this many times per worker before the node gives up (a broken fork, not a bad range). */
export const IDLE_DEATHS_PER_WORKER = 3;

export function tooManyIdleDeaths(idleDeaths: number, workers: number): boolean {
  return idleDeaths > workers * IDLE_DEATHS_PER_WORKER;
}

export type FailureDecision =
  /** Failed on enough nodes: acknowledged without outputs and reported, never run again. */
  | { kind: 'poison'; line: string }
  /** Handed back at once for another node to take; this node does not take it again. */
  | { kind: 'hand-back'; line: string };

/**
 * A range failed here. `failures`: every node's failure of it recorded in Redis, this one
 * included. Poison once it failed on `maxFailures` different nodes.
 */
export function decideFailure(range: Span, failure: RangeFailure, failures: readonly RangeFailure[], maxFailures: number): FailureDecision {
  const at = failure.event >= 0 ? ` at event ${failure.event}` : '';
  const where = `cowloop: range [${range.first}, ${range.end})`;
  if (failures.length >= maxFailures) {
    return { kind: 'poison', line: `${where} failed on ${failures.length} nodes${at}: poison, given up (events ${eventsOf(failures)})` };
  }
  return {
    kind: 'hand-back',
    line: `${where} failed here${at} (on ${failures.length} of the ${maxFailures} nodes that make it poison): handed back; ${failure.why}`,
  };
}

/** The events a range's failures were at, for the poison report. */
export function eventsOf(failures: readonly RangeFailure[]): string {
  const events = [...new Set(failures.map((f) => f.event).filter((e) => e >= 0))].sort((a, b) => a - b);
  return events.length ? events.join(', ') : 'unknown: the workers died between events';
}
