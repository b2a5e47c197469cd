// The contract between the application and its event loop (Gaudi's IEventProcessor). The
// application creates the component named by ApplicationMgr.EventLoop, checks that it is an
// EventProcessor, and drives it through the state machine and executeRun; hosts and the
// cowloop command listen to its progress and ask it to stop. The loops themselves live in
// src/evtloop (EventLoopMgr, MpEventLoopMgr), which the framework never imports.
import type { AlgorithmStats } from './algorithm.js';
import type { Sequence } from './sequence.js';

export interface FailedEvent {
  /** 0-based position of the event in the input. */
  number: number;
  /** The algorithm that threw (empty when unknown). */
  algorithm: string;
  message: string;
  /** Where it threw: the top frames in the user's code ("at fn (file:line:column)"). */
  at?: string[];
}

/** What one event came to. */
export interface EventOutcome {
  number: number;
  ok: boolean;
  /** False when an algorithm stopped the sequence (a filter). */
  passed: boolean;
  failure?: FailedEvent;
}

/** The result of an event loop run. */
export interface LoopResult {
  /** Events read and executed (failed ones included). */
  processed: number;
  failed: number;
  failedEvents: FailedEvent[];
  /** True when the loop stopped before the end of the input or EvtMax (abort, interrupt). */
  stoppedEarly: boolean;
  /** Event numbers of input records skipped as unreadable (EventSelector.OnBadRecord = "skip"). */
  skippedRecords?: number[];
}

export interface AlgorithmSummary extends AlgorithmStats {
  name: string;
  type: string;
  meanMs: number;
}

/** A snapshot of a run's progress, handed to onProgress listeners about twice a second. */
export interface ProgressSample {
  elapsedMs: number;
  /** Events this run will process, when the input's size is known. */
  total: number | undefined;
  /** Events finished so far, by every process. */
  done: number;
  /** "serial": this process runs events; "master": the master runs events before forking; "workers"; "done". */
  phase: 'serial' | 'master' | 'workers' | 'done';
  /** One row per process running events (the serial process is worker 0). */
  workers: Array<{ index: number; pid: number; done: number; inFlight: number; restarts: number }>;
}

export type ProgressListener = (sample: ProgressSample) => void;

/** What the application (and a host holding `app.eventLoop`) asks of an event loop. */
export interface EventProcessor {
  /** The component's type name (e.g. "EventLoopMgr", "MpEventLoopMgr"). */
  readonly type: string;
  /** True when executeRun will fork worker processes. */
  readonly forksWorkers: boolean;
  /** True once requestStop() was called in this run. */
  readonly stopRequested: boolean;
  /** The current (or last) run's result, kept up to date while it runs. */
  readonly lastResult: LoopResult | undefined;
  /**
   * Checks, before the application initialises any component, that this process can do
   * what the run will need. Throws a CowloopError if not.
   */
  checkProcess(): void;
  /** Creates the top sequence and its algorithms (at configure, so their options are checked early); idempotent. */
  createTopSequence(): Sequence;
  /** Processes up to `maxEvents` events (-1: all; default ApplicationMgr.EvtMax). */
  executeRun(maxEvents?: number): Promise<LoopResult>;
  /** Asks the run to stop after the events in hand. */
  requestStop(): void;
  /** Calls `listener` with progress samples; returns the function that stops it. */
  onProgress(listener: ProgressListener): () => void;
  /** Per-algorithm counters and timing (a multi-process loop: the workers' sums). */
  algorithmStats(): AlgorithmSummary[];
}

export function isEventProcessor(value: unknown): value is EventProcessor {
  const v = value as Partial<EventProcessor> | null;
  return (
    !!v &&
    typeof v.executeRun === 'function' &&
    typeof v.createTopSequence === 'function' &&
    typeof v.checkProcess === 'function' &&
    typeof v.algorithmStats === 'function' &&
    typeof v.requestStop === 'function' &&
    typeof v.onProgress === 'function'
  );
}
