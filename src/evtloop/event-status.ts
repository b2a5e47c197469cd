// Which event this process has in hand, published where the `cowloop` command's launcher
// (its parent process) can read it even while the event blocks the main thread: a busy
// loop in an algorithm cannot be interrupted from JavaScript, so only another process can
// name the event, stop the job on EventTimeout, or end it on a second signal.
//
// The launcher passes a small file as a descriptor (COWLOOP_STATUS_FD); this process maps
// it shared, so publishing is a store into memory, no system call per event. Without a
// launcher (an application embedding cowloop) the same words live in private memory.
import * as fs from 'node:fs';
import { native } from '../native.js';

/** Int32 words of the status file. */
export const STATUS = {
  /** The event in hand, -1: none. */
  EVENT: 0,
  /** Events finished (wraps around). */
  DONE: 1,
  /** EventTimeout of the running loop in milliseconds; 0: none. */
  TIMEOUT_MS: 2,
  /** Advanced every HEARTBEAT_MS while the loop's JavaScript can run; 0 when nothing beats. */
  HEARTBEAT: 3,
} as const;
export const STATUS_BYTES = 16;
export const HEARTBEAT_MS = 200;
export const STATUS_FD_ENV = 'COWLOOP_STATUS_FD';

function openStatus(): Int32Array {
  const fd = Number(process.env[STATUS_FD_ENV]);
  delete process.env[STATUS_FD_ENV]; // not for processes this one starts
  if (Number.isInteger(fd) && fd > 2) {
    try {
      const words = new Int32Array(native().sharedMemory(STATUS_BYTES, fd));
      fs.closeSync(fd); // the mapping stays
      return words;
    } catch {
      // no usable descriptor: publish privately
    }
  }
  return new Int32Array(STATUS_BYTES / 4);
}

let words: Int32Array | undefined;
/** Fork step (src/fork-hooks.ts): a forked worker's events are watched by its master (MpEventLoopMgr's own EventTimeout). */
export function eventStatusAfterFork(): void {
  words = new Int32Array(STATUS_BYTES / 4);
}

function status(): Int32Array {
  words ??= openStatus();
  return words;
}

export const eventStatus = {
  begin(event: number): void {
    status()[STATUS.EVENT] = event;
  },
  end(): void {
    const w = status();
    w[STATUS.EVENT] = -1;
    w[STATUS.DONE] = (w[STATUS.DONE]! + 1) | 0;
  },
  inHand(): number {
    return status()[STATUS.EVENT]!;
  },
  setTimeoutMs(ms: number): void {
    status()[STATUS.TIMEOUT_MS] = Math.min(ms, 2 ** 31 - 1);
  },
  beat(): void {
    const w = status();
    w[STATUS.HEARTBEAT] = (w[STATUS.HEARTBEAT]! % 1_000_000_000) + 1;
  },
  stopBeating(): void {
    status()[STATUS.HEARTBEAT] = 0;
  },
};
