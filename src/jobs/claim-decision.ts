// What a claimed run (Pool.map/imap, WorkManager.process) does when one of its workers
// reports a failed item, ends, or the call runs out of time, or a fork is refused: the
// whole policy, as a pure function, so each case can be tested without a fork. The first
// error a run meets is the one its call rejects with.
import { codeOf, CowloopError, ErrorCodes } from '../errors.js';
import { describeExit, exitOf, type ChildError } from '../supervise/child.js';

export type ClaimEvent =
  /** A worker's item threw (or its value could not be serialised). */
  | { kind: 'item-failed'; pid: number; index: number; cause: Error }
  /** A worker ended; `error` unless it returned its report; `inFlight`: the item it was on (-1: none). */
  | { kind: 'ended'; pid: number; error: ChildError | undefined; inFlight: number }
  /** The call's timeout expired; `busy`: the items still running, with their workers. */
  | { kind: 'timeout'; seconds: number; busy: Array<{ index: number; pid: number }> }
  | { kind: 'fork-refused'; error: Error };

export type ClaimDecision =
  /** The worker ended well: its report counts. */
  | { kind: 'continue' }
  /** Stop handing out items (the workers finish the one they are on); the call fails with `error`. */
  | { kind: 'abort'; error: Error }
  /** The call fails with `error` once the other workers have ended (they go on with the items). */
  | { kind: 'fail'; error: Error }
  /** Stop handing out items and kill the workers; the call fails with `error`. */
  | { kind: 'kill'; error: Error };

export function decideClaim(event: ClaimEvent, describeItem: (index: number) => string): ClaimDecision {
  switch (event.kind) {
    case 'item-failed': {
      const { cause, pid, index } = event;
      const code = codeOf(cause, ErrorCodes.ERR_COWLOOP_TASK_FAILED) === ErrorCodes.ERR_COWLOOP_RESULT_NOT_SERIALIZABLE
        ? ErrorCodes.ERR_COWLOOP_RESULT_NOT_SERIALIZABLE
        : ErrorCodes.ERR_COWLOOP_TASK_FAILED;
      const error = new CowloopError(code, `${describeItem(index)} failed in worker ${pid}: ${cause.name}: ${cause.message}`, { cause });
      // The parent's frames (a channel callback) say nothing; the worker's do.
      error.stack = `${error.name} [${code}]: ${error.message}\n${frames(cause.stack ?? '')}`;
      return { kind: 'abort', error: Object.assign(error, { itemIndex: index, pid }) };
    }
    case 'ended': {
      const { error: reason, pid, inFlight } = event;
      if (!reason) return { kind: 'continue' };
      const on = inFlight >= 0 ? ` while processing ${describeItem(inFlight)}` : '';
      const exit = exitOf(reason);
      const how = exit ? describeExit(exit) : `failed: ${reason.message}`;
      const code = codeOf(reason, ErrorCodes.ERR_COWLOOP_WORKER_DIED);
      const error = new CowloopError(
        code === ErrorCodes.ERR_COWLOOP_CHILD_EXITED ? ErrorCodes.ERR_COWLOOP_WORKER_DIED : code,
        `worker ${pid} ${how}${on}`,
        { cause: reason },
      );
      return { kind: 'fail', error: Object.assign(error, { pid, ...(inFlight >= 0 ? { itemIndex: inFlight } : {}) }) };
    }
    case 'timeout': {
      const busy = event.busy.map((b) => `${describeItem(b.index)} in worker ${b.pid}`);
      const error = new CowloopError(
        ErrorCodes.ERR_COWLOOP_JOB_TIMEOUT,
        `timed out after ${event.seconds} s` + (busy.length > 0 ? `; still running: ${busy.join(', ')}; the workers were killed` : ''),
      );
      return { kind: 'kill', error };
    }
    case 'fork-refused':
      return { kind: 'abort', error: event.error };
  }
}

function frames(stack: string): string {
  return stack.split('\n').filter((l) => /^\s+at /.test(l)).join('\n');
}
