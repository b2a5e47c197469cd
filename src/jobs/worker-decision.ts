// What a job worker set does when one of its workers speaks, ends or runs out of time: the
// whole policy, as a pure function of what is known at that moment, so each case can be
// tested without a fork. (jobError in job-errors.ts then words a failure, with its code.)
import type { ChildExit } from '../supervise/child.js';
import { errorFromWire } from '../process/wire.js';
import type { FromWorker } from './worker-loop.js';

/** Why a run did not produce a value. */
export type RunFailure =
  | { kind: 'error'; error: Error; pid: number; ms: number }
  | { kind: 'timeout'; pid: number }
  | { kind: 'died'; pid: number; exit: ChildExit; error: Error | undefined }
  | { kind: 'cancelled'; pid: number | undefined; reason: string }
  | { kind: 'group-timeout'; pid: number | undefined }
  | { kind: 'fork'; error: Error };

export type WorkerState = 'forking' | 'idle' | 'busy' | 'killing' | 'stopping';

export type WorkerEvent =
  | { kind: 'message'; message: FromWorker }
  /** `error`: what the child's result rejected with, if it did. */
  | { kind: 'exit'; exit: ChildExit; error: Error | undefined }
  /** The run's own timeout expired. */
  | { kind: 'timeout' };

export interface WorkerFacts {
  state: WorkerState;
  /** The run the worker was given, if any. */
  runId: number | undefined;
  pid: number;
  event: WorkerEvent;
}

export type WorkerDecision =
  /** A message of a run already timed out or cancelled, or the exit of a worker being stopped. */
  | { kind: 'ignore' }
  | { kind: 'started' }
  /** The run has its value; the worker is free again. */
  | { kind: 'done'; value: unknown; ms: number }
  /**
   * The run failed. `worker`: free again ('keep': its job threw), to be stopped ('kill': a
   * timeout), or already gone ('gone': it died); a replacement is forked for queued runs.
   */
  | { kind: 'failed'; failure: RunFailure; worker: 'keep' | 'kill' | 'gone' }
  /** A free worker died: forget it; a replacement is forked if runs are queued. */
  | { kind: 'replace' };

export function decideWorker(f: WorkerFacts): WorkerDecision {
  const { event, pid } = f;
  const busy = f.state === 'busy' && f.runId !== undefined;
  switch (event.kind) {
    case 'message': {
      const m = event.message;
      if (!busy || m.id !== f.runId) return { kind: 'ignore' };
      if (m.k === 'start') return { kind: 'started' };
      if (m.k === 'done') return { kind: 'done', value: m.value, ms: m.ms };
      return { kind: 'failed', failure: { kind: 'error', error: errorFromWire(m.error, { childPid: pid }), pid, ms: m.ms }, worker: 'keep' };
    }
    case 'exit':
      if (f.state === 'killing' || f.state === 'stopping') return { kind: 'ignore' };
      if (!busy) return { kind: 'replace' };
      return { kind: 'failed', failure: { kind: 'died', pid, exit: event.exit, error: event.error }, worker: 'gone' };
    case 'timeout':
      if (!busy) return { kind: 'ignore' };
      return { kind: 'failed', failure: { kind: 'timeout', pid }, worker: 'kill' };
  }
}
