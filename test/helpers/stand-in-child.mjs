// What a supervisor (src/supervise: ChildHandle, ChildSet) is handed in the tests that
// drive it by hand: a child that forks nothing and ends only when the test ends it, and a
// clock whose timers fire only when the test fires them.
import { EventEmitter } from 'node:events';

let nextPid = 50_000;

/**
 * Looks like a ForkedChild: it records what is sent to it and the signals it gets, and
 * ends as a real child would, its result settled first, then its reaping. Like a real one
 * it takes no message and no signal once it has ended. SIGKILL always ends it; SIGTERM
 * unless `ignoreTerm` is set. `report(value, child)` makes the result of finish(value)
 * (the value itself by default).
 */
export class StandInChild extends EventEmitter {
  constructor({ ignoreTerm = false, report = (value) => value } = {}) {
    super();
    this.pid = nextPid++;
    this.running = true;
    this.sent = [];
    this.signals = [];
    this.ignoreTerm = ignoreTerm;
    this.report = report;
    this.result = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.result.catch(() => undefined);
    this.exited = new Promise((resolve) => (this.reap = resolve));
  }

  send(message) {
    if (!this.running) return false;
    this.sent.push(message);
    return true;
  }

  kill(signal) {
    this.signals.push(signal);
    if (signal === 'SIGTERM' && this.ignoreTerm) return;
    if (this.running) this.die(signal);
  }

  /** A message from the worker, as its channel delivers it. */
  say(message) {
    this.emit('message', message);
  }

  /** Returns a result and exits with code 0. */
  finish(value) {
    this.#end({ code: 0, signal: null });
    this.resolve(this.report(value, this));
  }

  /** Is killed by `signal` before returning a result: the error ForkedChild gives then. */
  die(signal) {
    const error = Object.assign(new Error(`child ${this.pid} was killed by ${signal} before returning a result`), { code: 'ERR_COWLOOP_CHILD_EXITED', signal, exitCode: null });
    this.#end({ code: null, signal });
    this.reject(error);
  }

  /** Reports an error of its own and exits with code 1. */
  fail(error) {
    this.#end({ code: 1, signal: null });
    this.reject(error);
  }

  #end(exit) {
    if (!this.running) throw new Error(`child ${this.pid} already ended`);
    this.running = false;
    queueMicrotask(() => this.reap(exit));
  }
}

/** A SupervisorClock whose time moves and whose timers fire only when the test says so. */
export function handClock() {
  let now = 0;
  const live = new Set();
  const add = (kind, ms, fn) => {
    const timer = { kind, ms, fn };
    live.add(timer);
    return () => live.delete(timer);
  };
  return {
    now: () => now,
    every: (ms, fn) => add('every', ms, fn),
    after: (ms, fn) => add('after', ms, fn),
    advance(ms) {
      now += ms;
    },
    /** Fires the pending one-off timers of `ms` milliseconds; says how many. */
    fire(ms) {
      const due = [...live].filter((t) => t.kind === 'after' && t.ms === ms);
      for (const t of due) {
        live.delete(t);
        t.fn();
      }
      return due.length;
    },
    /** The periods of the timers not yet fired or cancelled, one-off and repeating. */
    get pending() {
      return [...live].map((t) => t.ms);
    },
  };
}
