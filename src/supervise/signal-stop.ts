// SIGINT/SIGTERM for a parent with children: the first signal asks the children to stop and
// gives them a grace period, after which they are killed; a second signal, not the echo of
// the first, kills them at once. What "stop" and "kill" mean is the owner's.
import type { SignalSource, SupervisorClock } from './clock.js';

/** A second signal this soon after the first is the echo of the same keypress (it reaches both the command and the master). */
export const SIGNAL_ECHO_MS = 250;

export interface SignalStopOptions {
  clock: SupervisorClock;
  /** Where SIGINT/SIGTERM come from (process, or a test's emitter). */
  signals: SignalSource;
  graceMs: number;
  /** The first signal: stop handing out work, ask the children to finish. */
  stop(signal: string): void;
  /** The grace period ended (signal undefined) or a second signal came: kill the children. */
  kill(signal: string | undefined): void;
}

export class SignalStop {
  readonly #o: SignalStopOptions;
  #interrupted = false;
  #firstAt = 0;
  #undo: Array<() => void> = [];

  constructor(options: SignalStopOptions) {
    this.#o = options;
  }

  get interrupted(): boolean {
    return this.#interrupted;
  }

  /** Listens for SIGINT and SIGTERM until dispose(). */
  watch(): void {
    const { signals } = this.#o;
    const onSignal = (signal: string) => this.interrupt(signal);
    signals.on('SIGINT', onSignal);
    signals.on('SIGTERM', onSignal);
    this.#undo.push(() => {
      signals.off('SIGINT', onSignal);
      signals.off('SIGTERM', onSignal);
    });
  }

  /** A signal (or a stop request) arrived. */
  interrupt(signal: string): void {
    const now = this.#o.clock.now();
    if (!this.#interrupted) {
      this.#interrupted = true;
      this.#firstAt = now;
      this.#o.stop(signal);
      this.#undo.push(this.#o.clock.after(this.#o.graceMs, () => this.#o.kill(undefined)));
    } else if (now - this.#firstAt > SIGNAL_ECHO_MS) {
      this.#o.kill(signal);
    }
  }

  /** Removes the handlers and the grace timer (at the end, or in a child forked meanwhile). */
  dispose(): void {
    for (const undo of this.#undo.splice(0)) undo();
  }
}
