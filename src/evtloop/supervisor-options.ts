// What a WorkerSupervisor is given, and what it says at the end of a run.
import type { SharedClaims } from '../shm/shared-claims.js';
import type { FailedEvent, ProgressSample } from './event-loop-mgr.js';
import type { EventSpace, Strategy } from './plan.js';
import type { SignalSource, SupervisorClock } from '../supervise/clock.js';
import type { Slot, WorkerChild } from './slot.js';
import type { WorkerReport } from './worker.js';

export interface SupervisorOptions {
  space: EventSpace;
  shared: SharedClaims;
  strategy: Strategy;
  /** The run's directory: worker_<i>/ of each position are made in it. */
  root: string;
  maxEventRetries: number;
  onPoisonEvent: 'skip' | 'fail';
  /** Seconds without progress before a child is killed; 0: no watchdog. */
  eventTimeout: number;
  /** Seconds children get to finish after the first SIGINT/SIGTERM. */
  stopGrace: number;
  /** Forks a child for the slot (its plan and dir are set). */
  spawn(slot: Slot): Promise<WorkerChild>;
  log: { error(message: string): void; warning(message: string): void };
  progress(sample: Omit<ProgressSample, 'elapsedMs'>): void;
  clock?: SupervisorClock;
  signals?: SignalSource;
}

export type GenerationReport = WorkerReport & { generation: number };

export interface SupervisionOutcome {
  /** One per child that reported: a recycled position has one per generation. */
  reports: GenerationReport[];
  poison: FailedEvent[];
  restarts: number;
  recycles: number;
  interrupted: boolean;
  failure: Error | undefined;
  forkMs: number;
  /** Directories of the children that ended well, to merge. */
  dirs: string[];
  /** Counters of the positions whose last child ended without a report (a failure, a kill). */
  unreported: { processed: number; failed: number };
}
