// What a run record holds: the samples taken while a job ran and what it came to. The CLI
// fills one for --report, --mem-profile and --json; the HTML report is drawn from it.
import type { MpRunTiming } from '../evtloop/mp-event-loop-mgr.js';

/** A process that ran events: the master is index -1, workers 0..N-1. */
export interface MemorySample {
  /** Milliseconds since the record started. */
  tMs: number;
  index: number;
  pid: number;
  /** MiB, from /proc/<pid>/smaps_rollup. */
  rss: number;
  pss: number;
  uss: number;
}

export interface WorkerSample {
  tMs: number;
  index: number;
  pid: number;
  /** Events this worker position has finished (cumulative). */
  done: number;
  restarts: number;
}

export interface OverallSample {
  tMs: number;
  done: number;
  total: number | null;
  phase: 'serial' | 'master' | 'workers' | 'done';
}

/** A stretch of the run: set-up, events (serial, master, workers), finalize. */
export interface RunPhase {
  name: string;
  startMs: number;
  endMs: number;
}

export interface RunRecordWorker {
  index: number;
  /** 0 for the first child at this position, then 1, 2... for the fresh forks that replaced recycled ones. */
  generation: number;
  pid: number;
  processed: number;
  failed: number;
  wallMs: number;
  cpuMs: number;
  peakUssMiB: number;
}

export type RunStatus = 'ok' | 'failed-events' | 'interrupted' | 'error';

export interface RunRecord {
  format: 'cowloop-run-record';
  version: 1;
  /** The job options file (or a description of the options). */
  job: string;
  startedAt: string;
  host: { cpus: number; node: string; masterPid: number };
  eventLoop: string;
  status: RunStatus;
  exitCode: number;
  wallMs: number;
  processed: number;
  failed: number;
  phases: RunPhase[];
  progress: OverallSample[];
  workerSamples: WorkerSample[];
  memory: MemorySample[];
  /** Per-worker figures of a multi-process run (from MpEventLoopMgr.runReport). */
  workers: RunRecordWorker[];
  multiProcess: { strategy: string; masterEvents: number; restarts: number; recycles: number; poisonEvents: number[]; forkMs: number; hugePagesMiB: number; timing: MpRunTiming } | null;
  error: { code: string | null; message: string } | null;
}
