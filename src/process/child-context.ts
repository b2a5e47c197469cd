// The child's side: its channel to the parent, its ChildContext, and how it leaves.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import { CowloopError, ErrorCodes } from '../errors.js';
import { native } from '../native.js';
import { writeAllSync } from '../util/write-all-sync.js';
import { declareOwnHandles } from './registry.js';
import { refHandleKinds } from './safety.js';
import { encodeFrame, encodeMessage, errorToWire, FrameDecoder, TAG_ERROR, TAG_MESSAGE, TAG_RESULT, type Tag } from './wire.js';

/** Node's own (undeclared) exit step, which process.exit() calls last. */
type NodeProcessInternals = NodeJS.Process & { reallyExit: (code: number) => void };

export interface ChildContextEvents {
  message: [message: unknown];
}

/** What `main` receives in the forked child. */
export class ChildContext extends EventEmitter<ChildContextEvents> {
  /** The child's index among the children of its parent (ForkOptions.index, or a counter). */
  readonly index: number;
  readonly parentPid: number;
  readonly pid: number;

  #writeFd: number;
  #reader: net.Socket;

  /** @internal */
  constructor(index: number, parentPid: number, readFd: number, writeFd: number) {
    super();
    this.index = index;
    this.parentPid = parentPid;
    this.pid = process.pid;
    this.#writeFd = writeFd;
    this.#reader = new net.Socket({ fd: readFd, readable: true, writable: false });
    // The channel stays referenced: a child lives until main settles (see startChild).
    const decoder = new FrameDecoder();
    this.#reader.on('data', (chunk: Buffer) => {
      for (const { t, v } of decoder.push(chunk)) if (t === TAG_MESSAGE) this.emit('message', v);
    });
    this.#reader.on('error', () => undefined);
    // The parent closed its end (it ended without taking this child with it: deathSignal 0).
    // Something must still keep the loop running until main settles.
    this.#reader.on('close', () => {
      if (!this.#closing) this.#keepAlive = setInterval(() => {}, 2 ** 30);
    });
  }

  #closing = false;
  #keepAlive: NodeJS.Timeout | undefined;

  /** Sends a message to the parent. Synchronous: it is on the pipe when this returns. */
  send(message: unknown): void {
    this.#write(encodeMessage(message, 'the parent'));
  }

  /** @internal */
  sendFinal(tag: Tag, value: unknown): void {
    this.#write(encodeFrame(tag, value));
  }

  /** @internal The write end is a blocking pipe this process never hands to libuv. */
  #write(frame: Buffer): void {
    writeAllSync(this.#writeFd, frame);
  }

  /** @internal Closes the channel (in a grandchild, or at exit). */
  close(): void {
    this.#closing = true;
    clearInterval(this.#keepAlive);
    this.#reader.removeAllListeners();
    this.#reader.destroy();
    try {
      fs.closeSync(this.#writeFd);
    } catch {
      /* already closed */
    }
  }

  /** @internal */
  refHandles(): string[] {
    const kinds = refHandleKinds(this.#reader);
    if (this.#keepAlive !== undefined) kinds.push('Timeout');
    return kinds;
  }
}

let current: ChildContext | undefined;
declareOwnHandles(() => (current ? current.refHandles() : []));
/** Fork step (src/fork-hooks.ts): a grandchild does not talk to its grandparent. */
export function parentContextAfterFork(): void {
  current?.close();
  current = undefined;
}

/** True in a process created by cowloop's fork(). */
export function isForkedChild(): boolean {
  return current !== undefined;
}

// Process-level listeners the parent registered: in the child they would run the parent's
// exit work (e.g. a test runner printing its summary) or its signal handling.
const inheritedEvents = ['exit', 'beforeExit', 'uncaughtException', 'uncaughtExceptionMonitor', 'unhandledRejection'];

function dropInheritedListeners(): void {
  for (const event of inheritedEvents) process.removeAllListeners(event);
  for (const event of process.eventNames()) {
    if (typeof event === 'string' && event.startsWith('SIG')) process.removeAllListeners(event);
  }
}

export interface ChildStart<T> {
  main: (ctx: ChildContext) => T | Promise<T>;
  index: number;
  parentPid: number;
  readFd: number;
  writeFd: number;
  title?: string | undefined;
  cpus?: number[] | undefined;
}

/**
 * Runs in the child right after fork() returned 0 and the parent-side state was dropped:
 * sets the child up, runs main, reports its result and leaves with _exit.
 *
 * A child lives until main settles (or it calls process.exit, or is killed): its channel
 * keeps the event loop running even when main waits on nothing that would (a signal, say).
 * Letting the loop run dry is not an option in a forked child: Node then waits for V8's
 * worker tasks to drain, and tasks posted to the platform threads the child does not have
 * (or those parked across the fork) never finish.
 */
export function startChild<T>(start: ChildStart<T>): void {
  dropInheritedListeners();
  if (start.title !== undefined) process.title = start.title;
  if (start.cpus !== undefined) native().setAffinity(start.cpus);
  const ctx = new ChildContext(start.index, start.parentPid, start.readFd, start.writeFd);
  current = ctx;
  let reported = false;
  const report = (tag: Tag, value: unknown) => {
    if (reported) return;
    reported = true;
    try {
      ctx.sendFinal(tag, value);
    } catch (error) {
      // The parent is gone (deathSignal 0): nobody to tell. Anything else (a value that
      // cannot be serialised) is the caller's to handle.
      if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw error;
    }
  };

  // Node's own exit path joins platform threads that a forked child does not have.
  (process as NodeProcessInternals).reallyExit = (code: number) => {
    native().exit(code);
  };
  process.on('uncaughtException', (error) => {
    report(TAG_ERROR, errorToWire(error));
    process.exit(1);
  });
  const succeed = (value: T) => {
    try {
      report(TAG_RESULT, value);
    } catch (cause) {
      reported = false;
      report(TAG_ERROR, errorToWire(new CowloopError(
        ErrorCodes.ERR_COWLOOP_RESULT_NOT_SERIALIZABLE,
        `the result of main() in child ${process.pid} cannot be serialised with v8.serialize ` +
          `(${(cause as Error).message}); return plain data (objects, arrays, typed arrays, Maps, Sets, errors)`,
        { cause },
      )));
      process.exit(1);
      return;
    }
    process.exit(0);
  };
  const fail = (error: unknown) => {
    report(TAG_ERROR, errorToWire(error));
    process.exit(1);
  };
  let value: T | Promise<T>;
  try {
    value = start.main(ctx);
  } catch (error) {
    fail(error);
    return;
  }
  Promise.resolve(value).then(succeed, fail);
}
