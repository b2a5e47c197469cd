// The parent's view of one forked child: its channel, its result and its exit.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { CowloopError, ErrorCodes } from '../errors.js';
import { track, tryReap, type TrackedChild } from './registry.js';
import { refHandleKinds } from './safety.js';
import {
  encodeMessage,
  errorFromWire,
  FrameDecoder,
  TAG_ERROR,
  TAG_MESSAGE,
  TAG_RESULT,
  type WireError,
} from './wire.js';

export interface ChildExit {
  code: number | null;
  signal: string | null;
}

export interface ForkTiming {
  /**
   * Moving large mappings into huge pages before the batch this child was forked in
   * (ForkOptions.hugePages), in ms; 0 without that option.
   */
  hugePagesMs: number;
  /** Bytes moved into huge pages for that batch; 0 without the option. */
  hugePagesBytes: number;
  /** Making V8's heap inheritable (reading /proc/self/maps, madvise), in ms. */
  prepareMs: number;
  /** The fork() system call itself (page-table copy), in ms. */
  forkMs: number;
  /** CPU time the parent spent in that system call, in ms: forkMs less any wait for a core. */
  forkCpuMs: number;
}

const signalNames = new Map<number, string>(
  Object.entries(os.constants.signals).map(([name, num]) => [num as number, name]),
);

function settleQuietly<T>(p: Promise<T>): Promise<T> {
  // The caller may never look at a rejected result; that must not crash the parent.
  p.catch(() => undefined);
  return p;
}

export interface ForkedChildEvents {
  message: [message: unknown];
  exit: [exit: ChildExit];
}

export class ForkedChild<T = unknown> extends EventEmitter<ForkedChildEvents> implements TrackedChild {
  readonly pid: number;
  readonly index: number;
  readonly timing: ForkTiming;
  readonly result: Promise<T>;
  readonly exited: Promise<ChildExit>;

  #reader: net.Socket;
  #writer: net.Socket;
  #decoder = new FrameDecoder();
  #resolveResult!: (value: unknown) => void; // unknown, not T: keeps ForkedChild<T> covariant
  #rejectResult!: (error: Error) => void;
  #resolveExit!: (exit: ChildExit) => void;
  #settled = false;
  #exit: ChildExit | undefined;
  #channelOpen = true;
  #reapPoll: NodeJS.Timeout | undefined;

  /** @internal Created by fork() only. */
  constructor(pid: number, index: number, readFd: number, writeFd: number, timing: ForkTiming) {
    super();
    this.pid = pid;
    this.index = index;
    this.timing = timing;
    this.result = settleQuietly(
      new Promise<T>((resolve, reject) => {
        this.#resolveResult = resolve as (value: unknown) => void;
        this.#rejectResult = reject;
      }),
    );
    this.exited = new Promise<ChildExit>((resolve) => {
      this.#resolveExit = resolve;
    });
    this.#reader = new net.Socket({ fd: readFd, readable: true, writable: false });
    this.#reader.on('data', (chunk: Buffer) => this.#onData(chunk));
    this.#reader.on('error', () => undefined); // EOF/close below tells the story
    this.#reader.on('close', () => this.#onChannelClosed());
    this.#writer = new net.Socket({ fd: writeFd, readable: false, writable: true });
    this.#writer.on('error', () => undefined); // EPIPE: the child is gone; exit reports it
    this.#writer.unref(); // only the reader keeps the parent alive while the child runs
    track(this);
  }

  /** Sends a message to the child (structured clone). Returns false if the child is gone. */
  send(message: unknown): boolean {
    const frame = encodeMessage(message, `child ${this.pid}`);
    if (this.#exit || this.#writer.destroyed) return false;
    return this.#writer.write(frame);
  }

  /** Sends a signal (default SIGTERM) unless the child has already been reaped. */
  kill(signal: NodeJS.Signals | number = 'SIGTERM'): boolean {
    if (this.#exit) return false;
    try {
      process.kill(this.pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  /** True until the child has been reaped. */
  get running(): boolean {
    return this.#exit === undefined;
  }

  #onData(chunk: Buffer): void {
    let envelopes;
    try {
      envelopes = this.#decoder.push(chunk);
    } catch (error) {
      this.#fail(error as Error);
      this.#reader.destroy();
      return;
    }
    for (const { t, v } of envelopes) {
      if (t === TAG_MESSAGE) this.emit('message', v);
      else if (t === TAG_RESULT) this.#settle(() => this.#resolveResult(v));
      else if (t === TAG_ERROR) this.#settle(() => this.#rejectResult(errorFromWire(v as WireError, { childPid: this.pid })));
    }
  }

  #onChannelClosed(): void {
    this.#channelOpen = false;
    // The child closed its end: it has exited or is about to. SIGCHLD will tell, but
    // signal handles do not keep the loop alive, so poll (briefly) until it is reaped.
    let delay = 1;
    const poll = () => {
      this.#reapPoll = undefined;
      if (this.#exit || tryReap(this.pid)) return;
      delay = Math.min(delay * 2, 100);
      this.#reapPoll = setTimeout(poll, delay);
    };
    poll();
  }

  #settle(fn: () => void): void {
    if (this.#settled) return;
    this.#settled = true;
    fn();
  }

  #fail(error: Error): void {
    this.#settle(() => this.#rejectResult(error));
  }

  /** @internal Called by the registry once waitpid() has the status. */
  onReaped(status: { code: number | null; signal: number | null }): void {
    const exit: ChildExit = {
      code: status.code,
      signal: status.signal === null ? null : (signalNames.get(status.signal) ?? `SIG${status.signal}`),
    };
    this.#exit = exit;
    clearTimeout(this.#reapPoll); // a pending poll would count as the user's pending work
    this.#writer.destroy();
    const finish = () => {
      if (!this.#settled) {
        const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
        this.#fail(
          Object.assign(
            new CowloopError(ErrorCodes.ERR_COWLOOP_CHILD_EXITED, `child ${this.pid} ${how} before returning a result`),
            { childPid: this.pid, exitCode: exit.code, signal: exit.signal },
          ),
        );
      }
      this.#resolveExit(exit);
      this.emit('exit', exit);
    };
    if (!this.#channelOpen) {
      finish();
      return;
    }
    // Read what the child wrote before it died; a leaked copy of its pipe end (held by a
    // process it started) must not keep us waiting.
    const timer = setTimeout(() => this.#reader.destroy(), 1000);
    timer.unref();
    this.#reader.once('close', () => {
      clearTimeout(timer);
      finish();
    });
  }

  /** @internal In a sibling forked later: this channel belongs to the parent. */
  dropInSibling(): void {
    // A pending reap poll would go on in the sibling forever: that child is not its to reap.
    clearTimeout(this.#reapPoll);
    this.#reapPoll = undefined;
    this.#reader.removeAllListeners();
    this.#writer.removeAllListeners();
    this.#reader.destroy();
    this.#writer.destroy();
    this.removeAllListeners();
  }

  /** @internal */
  refHandles(): string[] {
    const kinds = refHandleKinds(this.#reader);
    if (this.#reapPoll !== undefined) kinds.push('Timeout'); // polling for an exiting child
    return kinds;
  }
}

/** Closes raw descriptors, ignoring those already closed. */
export function closeFds(fds: number[]): void {
  for (const fd of fds) {
    try {
      fs.closeSync(fd);
    } catch {
      /* already closed */
    }
  }
}
