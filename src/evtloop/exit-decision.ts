// What the master does when a worker's child ends: the whole policy, as a pure function
// of what is known at that moment, so each case can be tested without a fork.
import { codeOf, ErrorCodes, type ErrorCode } from '../errors.js';
import type { ChildError } from '../supervise/child.js';
import type { WorkerReport } from './worker.js';

export interface ChildEnd {
  /** The report of a child that ended well. */
  report?: WorkerReport;
  /** Why a child without a report ended: its own error, or its death (ERR_COWLOOP_CHILD_EXITED). */
  error?: ChildError;
}

export interface ExitFacts {
  end: ChildEnd;
  /** The run already failed or was interrupted: no replacement, no further failure. */
  stopping: boolean;
  /** The event the child was processing when it ended (-1: none). */
  event: number;
  /** Workers that event killed before this one. */
  earlierCrashes: number;
  /** Children of this worker position that crashed before this one. */
  restarts: number;
  maxEventRetries: number;
  /** Crashes one position may have before the run gives up. */
  maxRestarts: number;
  onPoisonEvent: 'skip' | 'fail';
}

export type ExitDecision =
  /** Ended well with nothing left to do (or the run is stopping). */
  | { kind: 'done' }
  /** Ended well at an unreadable input record: the run fails once every earlier event is done. */
  | { kind: 'bad-record' }
  /** Left to be replaced by a fresh fork that takes the rest of its work. */
  | { kind: 'recycle' }
  /** Ended badly while the run was already stopping: nothing more to decide. */
  | { kind: 'ignore' }
  /** Reported an error of its own (an aborting event, an I/O failure): the run fails with its code. */
  | { kind: 'fail'; code: ErrorCode }
  /**
   * Died. `crashes`: workers the event has now killed; `poison`: the event is now skipped
   * or fails the run; `giveUp`: the position died too often, the run fails.
   */
  | { kind: 'crash'; crashes: number; poison: 'no' | 'skip' | 'fail'; giveUp: boolean };

export function decideExit(f: ExitFacts): ExitDecision {
  const { report, error } = f.end;
  if (report) {
    if (report.badRecord) return { kind: 'bad-record' };
    return report.recycled && !f.stopping ? { kind: 'recycle' } : { kind: 'done' };
  }
  if (f.stopping) return { kind: 'ignore' };
  if (error?.code !== ErrorCodes.ERR_COWLOOP_CHILD_EXITED) {
    return { kind: 'fail', code: codeOf(error, ErrorCodes.ERR_COWLOOP_WORKER_FAILED) };
  }
  const crashes = f.event >= 0 ? f.earlierCrashes + 1 : 0;
  const poisoned = f.event >= 0 && crashes >= f.maxEventRetries;
  const poison = !poisoned ? 'no' : f.onPoisonEvent === 'fail' ? 'fail' : 'skip';
  return { kind: 'crash', crashes, poison, giveUp: poison !== 'fail' && f.restarts + 1 > f.maxRestarts };
}
