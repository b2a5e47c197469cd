// One forked child as its supervisor keeps it: the child once forked, the owner's state of
// it, the work it has in hand, the error it ended with, and at most one deadline (a job's timeout, a retiring
// child's last chance) that is cancelled whenever the child changes hands or ends.
import type { ChildError, SupervisedChild } from './child.js';
import type { SupervisorClock } from './clock.js';

export class ChildHandle<C extends SupervisedChild, S extends string, W = never> {
  state: S;
  /** The owner's unit of work the child is on (a job run), if any. */
  work: W | undefined;
  /** Undefined while the fork is pending. */
  child: C | undefined;
  /** Resolves once the fork is done (or refused). */
  ready: Promise<void> = Promise.resolve();
  /** What the child's result rejected with: its own error, or its death. */
  lastError: ChildError | undefined;
  #cancelDeadline: (() => void) | undefined;

  constructor(state: S) {
    this.state = state;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child?.running ?? false;
  }

  adopt(child: C): void {
    this.child = child;
    child.result.catch((error: ChildError) => {
      this.lastError = error;
    });
  }

  /** Calls fn after ms unless disarmed first; replaces the deadline armed before. */
  arm(clock: SupervisorClock, ms: number, fn: () => void): void {
    this.disarm();
    const cancel = clock.after(ms, () => {
      if (this.#cancelDeadline !== cancel) return;
      this.#cancelDeadline = undefined;
      fn();
    });
    this.#cancelDeadline = cancel;
  }

  disarm(): void {
    this.#cancelDeadline?.();
    this.#cancelDeadline = undefined;
  }
}
