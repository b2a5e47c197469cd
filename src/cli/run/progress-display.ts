// Where `cowloop run` shows progress: a live frame redrawn in place on a terminal (through
// log-update), plain lines every few seconds elsewhere, or nothing (--quiet). Job messages
// pass through the display so a live frame is cleared before a message line and redrawn
// after it. Samples drive every redraw: no timer of our own exists when workers are forked.
import type { RecordedSample } from '../../report/recorder.js';
import { writeLineSync } from '../closed-output.js';
import { palette } from '../color.js';
import { liveFrame, plainLine, RateTracker } from './progress-text.js';

export interface ProgressDisplay {
  update(s: RecordedSample): void;
  /** Writes one finished line (without newline) to `fd`. */
  message(line: string, fd: number): void;
  /** Shows the last state and lets go of the terminal. */
  close(): void;
}

function writeLine(fd: number, line: string): void {
  writeLineSync(fd, line); // a closed pipe drops the line, it does not fail the job
}

export class SilentDisplay implements ProgressDisplay {
  update(): void {}
  message(line: string, fd: number): void {
    writeLine(fd, line);
  }
  close(): void {}
}

/** Plain lines on stderr: at the first sample, every `everyMs`, and at the end. */
export class PlainDisplay implements ProgressDisplay {
  readonly #rates = new RateTracker();
  readonly #everyMs: number;
  #lastAt = -Infinity;
  #last: RecordedSample | undefined;
  #printedLast = false;

  constructor(everyMs = 5000) {
    this.#everyMs = everyMs;
  }

  update(s: RecordedSample): void {
    this.#rates.add(s);
    this.#last = s;
    this.#printedLast = false;
    if (s.sample.phase === 'done' || s.tMs - this.#lastAt >= this.#everyMs) this.#print(s);
  }

  message(line: string, fd: number): void {
    writeLine(fd, line);
  }

  close(): void {
    if (this.#last && !this.#printedLast) this.#print(this.#last);
  }

  #print(s: RecordedSample): void {
    this.#lastAt = s.tMs;
    this.#printedLast = true;
    writeLine(2, plainLine(s, this.#rates));
  }
}

type LogUpdate = ((...text: string[]) => void) & { clear(): void; done(): void };

/** The live frame on a terminal (stderr), redrawn at each sample. */
export class LiveDisplay implements ProgressDisplay {
  readonly #rates = new RateTracker();
  readonly #log: LogUpdate;
  readonly #job: string;
  readonly #colour: boolean;
  #frame = '';

  private constructor(log: LogUpdate, job: string, colour: boolean) {
    this.#log = log;
    this.#job = job;
    this.#colour = colour;
  }

  static async create(job: string, colour: boolean): Promise<LiveDisplay> {
    // log-update is an ES module; this file compiles to CommonJS.
    const { createLogUpdate } = await import('log-update');
    // Its dependencies `import process from 'node:process'`, and Node's ES module view of
    // that module builds process.stdin: an idle handle that the fork-safety check would
    // count as pending work. The command never reads stdin, so it must not hold the loop.
    (process.stdin as { unref?: () => void }).unref?.();
    return new LiveDisplay(createLogUpdate(process.stderr, { showCursor: true }) as LogUpdate, job, colour);
  }

  update(s: RecordedSample): void {
    this.#rates.add(s);
    this.#frame = liveFrame(s, this.#rates, this.#job, palette(this.#colour));
    this.#log(this.#frame);
  }

  message(line: string, fd: number): void {
    if (!this.#frame) return writeLine(fd, line);
    this.#log.clear();
    writeLine(fd, line);
    this.#log(this.#frame);
  }

  close(): void {
    if (this.#frame) this.#log.done();
    this.#frame = '';
  }
}
