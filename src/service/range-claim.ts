// How many ranges a node asks the queue for: the free places in its workers' hands, and one
// spare range while the queue is far from empty. A pure function of what the node knows at
// the claim, so the rule can be tested without a fork or a Redis server; the node
// (work-node.ts) makes the claim.
import type { QueueCounts } from './range-queue.js';

/** Ranges in a worker's hand: the one it runs and the next, which it starts without waiting for the master. */
export const IN_HAND = 2;
/** Claimed beyond the workers' hands: the first worker to finish a range gets it at once, before the next exchange with Redis. */
export const SPARE = 1;

/**
 * Whether the node takes its spare range beyond `places` free places in its hands. The spare
 * waits behind a worker's two ranges; at the end of the job that is time other nodes, with
 * nothing left to take, spend idle. So only while the ranges still unread once this node
 * has filled its places are at least as many as all the nodes hold leased: every node's
 * workers end about that many ranges in the next range or two, and find unread ones to
 * take whether or not this node holds one back. Counts not known (none read yet, or a
 * Redis that does not report the group's lag, before 7.0): no spare.
 */
export function takesSpare(counts: QueueCounts | undefined, places: number): boolean {
  if (counts?.unread === undefined) return false;
  return counts.unread - places >= counts.leased;
}

/**
 * Ranges to claim: the free places in the hands of `workers` workers, given the `held` ranges
 * the node holds unfinished (in hand, ready or being prepared), and the spare if
 * `takesSpare` says so. Never negative: a spare taken earlier is kept when the rule no
 * longer holds (the first worker to finish a range runs it next).
 */
export function rangesToClaim(workers: number, held: number, counts: QueueCounts | undefined): number {
  const places = Math.max(0, workers * IN_HAND - held);
  const spare = held <= workers * IN_HAND && takesSpare(counts, places) ? SPARE : 0;
  return places + spare;
}
