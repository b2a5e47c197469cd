// The children of one supervisor: forking them (through a spawn the owner gives, so tests
// hand in stand-ins), watching their messages and exits, stopping them (SIGTERM, SIGKILL
// after a grace, waiting for the reaping) and knowing when every one stopped has been
// reaped. What a message, an exit or a deadline means is the owner's policy.
import type { ChildExit, SupervisedChild } from './child.js';
import { ChildHandle } from './child-handle.js';
import { realClock, type SupervisorClock } from './clock.js';
import { stopChild } from './stop.js';

export interface ChildSetOptions<C extends SupervisedChild, S extends string, W> {
  /** Seconds between SIGTERM and SIGKILL, in ms. */
  graceMs: number;
  clock?: SupervisorClock;
  onMessage(handle: ChildHandle<C, S, W>, message: unknown): void;
  /** The child was reaped (one the owner stopped itself included); its handle has left the set. */
  onExit(handle: ChildHandle<C, S, W>, exit: ChildExit): void;
}

export class ChildSet<C extends SupervisedChild, S extends string, W = never> {
  readonly handles = new Set<ChildHandle<C, S, W>>();
  readonly clock: SupervisorClock;
  readonly #o: ChildSetOptions<C, S, W>;
  readonly #pending = new Set<Promise<unknown>>();

  constructor(options: ChildSetOptions<C, S, W>) {
    this.#o = options;
    this.clock = options.clock ?? realClock;
  }

  /**
   * Takes in a child being forked: `state` until then, `readyState` once it exists.
   * `settle` is told whether the fork worked (with its error if not); a refused handle is dropped.
   */
  add(forking: Promise<C>, state: S, readyState: S, settle?: (error: Error | undefined) => void): ChildHandle<C, S, W> {
    const handle = new ChildHandle<C, S, W>(state);
    this.handles.add(handle);
    handle.ready = forking.then(
      (child) => {
        handle.adopt(child);
        if (handle.state === state) handle.state = readyState; // not when stopped meanwhile
        child.on('message', (m) => this.#o.onMessage(handle, m));
        void child.exited.then((exit) => {
          handle.disarm();
          this.handles.delete(handle);
          this.#o.onExit(handle, exit);
        });
        settle?.(undefined);
      },
      (error: Error) => {
        this.handles.delete(handle);
        settle?.(error);
      },
    );
    return handle;
  }

  /** Stops the child (SIGTERM, SIGKILL after the grace); resolves once it is reaped and out of the set. */
  stop(handle: ChildHandle<C, S, W>, state: S): Promise<void> {
    handle.disarm();
    handle.state = state;
    // A child still being forked is stopped once it exists.
    const stopped = handle.ready.then(async () => {
      if (handle.child) await stopChild(handle.child, this.#o.graceMs, this.clock);
      this.handles.delete(handle);
    });
    this.#track(stopped);
    return stopped;
  }

  /** Asks the child to leave with `message`; stops it if it is still there after `waitMs`. */
  retire(handle: ChildHandle<C, S, W>, state: S, message: unknown, waitMs: number): void {
    handle.state = state;
    const child = handle.child!;
    child.send(message);
    handle.arm(this.clock, waitMs, () => void stopChild(child, this.#o.graceMs, this.clock));
    this.#track(child.exited.then(() => {
      handle.disarm();
      this.handles.delete(handle);
    }));
  }

  /** Resolves when every child stopped or retired so far has been reaped. */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  /** Pids of the children not reaped yet. */
  pids(): number[] {
    return [...this.handles].flatMap((h) => (h.child?.running ? [h.child.pid] : []));
  }

  count(...states: S[]): number {
    let n = 0;
    for (const h of this.handles) if (states.includes(h.state)) n++;
    return n;
  }

  /** In a forked child: the deadlines and the children are the parent's; forget them. */
  dropInChild(): void {
    for (const h of this.handles) h.disarm();
    this.handles.clear();
    this.#pending.clear();
  }

  #track(p: Promise<unknown>): void {
    const tracked = p.finally(() => this.#pending.delete(tracked));
    this.#pending.add(tracked);
  }
}
