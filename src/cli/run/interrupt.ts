// SIGINT/SIGTERM during `cowloop run`. In a serial run (and in the master before it forks)
// the first signal asks the loop to stop after the current event, so the job still stops
// and finalizes (an interrupted run leaves the previous outputs as they were); a second
// one, later than the echo of the same keypress (the re-executing parent forwards it too),
// quits at once, and the partial files go with the process. While workers run,
// MpEventLoopMgr handles the signals itself and this handler only keeps out of the way.
import type { EventProcessor, ProgressSample } from '../../framework/event-processor.js';
import { eventStatus } from '../../evtloop/event-status.js';
import { EXIT } from '../exit-codes.js';

const ECHO_MS = 250;

function inHand(): string {
  const n = eventStatus.inHand();
  return n >= 0 ? ` (event ${n} in hand)` : '';
}
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

export class InterruptHandler {
  readonly #loop: EventProcessor;
  readonly #say: (line: string) => void;
  #phase: ProgressSample['phase'] | undefined;
  #firstAt = 0;
  /** The first signal came before workers ran, so the loop heard of it from us only. */
  #ours = false;
  readonly #handler = (signal: NodeJS.Signals): void => this.#onSignal(signal);

  constructor(loop: EventProcessor, say: (line: string) => void) {
    this.#loop = loop;
    this.#say = say;
  }

  get interrupted(): boolean {
    return this.#firstAt > 0;
  }

  install(): void {
    for (const s of SIGNALS) process.on(s, this.#handler);
  }

  uninstall(): void {
    for (const s of SIGNALS) process.off(s, this.#handler);
  }

  /**
   * Follows the loop's phase. A loop clears a stop request when its run begins, so one made
   * during set-up is made again (MpEventLoopMgr then stops its workers).
   */
  observe(phase: ProgressSample['phase']): void {
    this.#phase = phase;
    if (this.#ours && phase !== 'done' && !this.#loop.stopRequested) this.#loop.requestStop();
  }

  #onSignal(signal: NodeJS.Signals): void {
    const now = Date.now();
    const workersRun = this.#phase === 'workers';
    if (!this.interrupted) {
      this.#firstAt = now;
      if (workersRun) return; // MpEventLoopMgr's own handler has it
      this.#ours = true;
      this.#say(`cowloop: ${signal}: stopping after the current event${inHand()} (send it again to quit at once)`);
      this.#loop.requestStop();
      return;
    }
    if (workersRun || now - this.#firstAt <= ECHO_MS) return;
    this.#say(`cowloop: ${signal} again: quitting now${inHand()}; the outputs are left as they were`);
    process.exit(EXIT.INTERRUPTED);
  }
}
