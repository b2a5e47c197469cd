// The launcher's watch over the job it started (`cowloop` re-executes node, see main.ts).
// An algorithm in a busy loop blocks the job's only thread: no timer, signal handler or
// progress line runs there any more. The launcher still can: it reads the status the job
// publishes (evtloop/event-status.ts) and
// - stops a job whose event blocks past EventTimeout, naming the event (exit 4);
// - ends a job that does not respond to a second SIGINT/SIGTERM, naming the event in hand
//   (exit 130), as the guide promises for the second signal.
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HEARTBEAT_MS, STATUS, STATUS_BYTES } from '../evtloop/event-status.js';
import { EXIT } from './exit-codes.js';

const POLL_MS = 250;
/** The job's JavaScript is taken to be blocked when its heartbeat has not moved for this long. */
const STUCK_MS = Math.max(1500, 5 * HEARTBEAT_MS);
/** A job that does not beat (workers running) gets this long to act on a second signal. */
const NO_BEAT_GRACE_MS = 5000;
/** Two signals closer than this are one keypress seen twice. */
const ECHO_MS = 250;

/** A status file for the job: created, sized and unlinked at once; the descriptor is all that remains. */
export function openStatusFile(): number {
  const file = path.join(os.tmpdir(), `cowloop-status-${process.pid}-${Date.now()}`);
  const fd = fs.openSync(file, 'w+', 0o600);
  fs.unlinkSync(file);
  const words = new Int32Array(STATUS_BYTES / 4);
  words[STATUS.EVENT] = -1;
  fs.writeSync(fd, new Uint8Array(words.buffer), 0, STATUS_BYTES, 0);
  return fd;
}

export class JobWatch {
  readonly #child: ChildProcess;
  readonly #fd: number;
  readonly #timer: NodeJS.Timeout;
  readonly #words = new Int32Array(STATUS_BYTES / 4);
  #beat = 0;
  #beatAt = Date.now();
  #event = -1;
  #eventAt = Date.now();
  #signals: number[] = [];
  /** The exit code the launcher decided, when it ended the job itself. */
  exitCode: number | undefined;

  constructor(child: ChildProcess, fd: number) {
    this.#child = child;
    this.#fd = fd;
    this.#timer = setInterval(() => this.#poll(), POLL_MS);
  }

  /** A SIGINT/SIGTERM reached the launcher (it has been forwarded to the job). */
  signalled(signal: NodeJS.Signals): void {
    if (signal !== 'SIGINT' && signal !== 'SIGTERM') return;
    const now = Date.now();
    const last = this.#signals.at(-1);
    if (last !== undefined && now - last <= ECHO_MS) return;
    this.#signals.push(now);
    if (this.#signals.length >= 3) this.#end(`${signal} a third time`, EXIT.INTERRUPTED);
  }

  close(): void {
    clearInterval(this.#timer);
    try {
      fs.closeSync(this.#fd);
    } catch {
      // already closed
    }
  }

  #read(): void {
    try {
      fs.readSync(this.#fd, new Uint8Array(this.#words.buffer), 0, STATUS_BYTES, 0);
    } catch {
      return;
    }
    const now = Date.now();
    const beat = this.#words[STATUS.HEARTBEAT]!;
    if (beat !== this.#beat) {
      this.#beat = beat;
      this.#beatAt = now;
    }
    const event = this.#words[STATUS.EVENT]!;
    if (event !== this.#event) {
      this.#event = event;
      this.#eventAt = now;
    }
  }

  #poll(): void {
    if (this.exitCode !== undefined) return;
    this.#read();
    const now = Date.now();
    const beating = this.#beat !== 0;
    const stuck = beating && now - this.#beatAt >= STUCK_MS;
    const timeoutMs = this.#words[STATUS.TIMEOUT_MS]!;
    if (stuck && timeoutMs > 0 && this.#event >= 0 && now - this.#eventAt >= timeoutMs) {
      this.#end(`event ${this.#event} has run past EventTimeout = ${timeoutMs / 1000} s and blocks the job`, EXIT.EVENTS_FAILED);
      return;
    }
    const second = this.#signals[1];
    if (second !== undefined && (stuck || now - second >= NO_BEAT_GRACE_MS)) {
      this.#end('the job did not respond to the second signal', EXIT.INTERRUPTED);
    }
  }

  #end(why: string, code: number): void {
    if (this.exitCode !== undefined) return;
    this.#read();
    this.exitCode = code;
    const held = this.#event >= 0 && !why.startsWith('event') ? `; event ${this.#event} was in hand for ${((Date.now() - this.#eventAt) / 1000).toFixed(1)} s` : '';
    process.stderr.write(`cowloop: ${why}${held}: killing it (the previous outputs stay as they were)\n`);
    this.#child.kill('SIGKILL');
  }
}
