// WorkerSupervisor: the master's side of a multi-process run once the workers are forked.
// It owns the worker positions (Slot), forks a child into each, feeds the ranges strategy,
// and decides what happens when a child ends (exit-decision.ts): counted, recycled,
// replaced after a crash, its event declared poison, or the run failed. It also owns what
// watches the children meanwhile: SIGINT/SIGTERM (stop, then kill after StopGrace), the
// EventTimeout watchdog and the progress sampler. Forking, time and signals come in from
// outside, so that tests drive it with stand-in children. The mechanics it shares with the
// jobs' supervisors are src/supervise's: the clock, the signal handling, reading a child's end.
import * as fs from 'node:fs';
import { CowloopError, ErrorCodes, type ErrorCode } from '../errors.js';
import type { FailedEvent } from './event-loop-mgr.js';
import { decideExit } from './exit-decision.js';
import { describeCrash } from './crash-cause.js';
import { rangeList } from './plan.js';
import { RangeFeed, type RangeMessage } from './range-feed.js';
import { endOf } from '../supervise/child.js';
import { realClock, type SupervisorClock } from '../supervise/clock.js';
import { SignalStop } from '../supervise/signal-stop.js';
import { Slot, type WorkerChild } from './slot.js';
import type { GenerationReport, SupervisionOutcome, SupervisorOptions } from './supervisor-options.js';

const SAMPLE_EVERY_MS = 500;

export class WorkerSupervisor {
  readonly slots: Slot[];
  readonly #o: SupervisorOptions;
  readonly #clock: SupervisorClock;
  readonly #feed: RangeFeed | undefined;
  readonly #crashes = new Map<number, number>();
  readonly #poison: FailedEvent[] = [];
  readonly #reports: GenerationReport[] = [];
  readonly #badRecords: Array<{ index: number; pid: number; event: number; message: string }> = [];
  readonly #maxRestarts: number;
  #restarts = 0;
  #recycles = 0;
  #nextId = 1;
  #failure: Error | undefined;
  readonly #signalStop: SignalStop;
  #undo: Array<() => void> = [];

  constructor(options: SupervisorOptions) {
    this.#o = options;
    this.#clock = options.clock ?? realClock;
    this.#signalStop = new SignalStop({
      clock: this.#clock,
      signals: options.signals ?? process,
      graceMs: options.stopGrace * 1000,
      stop: (signal) => {
        this.#o.log.warning(`${signal}: stopping; workers finish their current event (up to ${this.#o.stopGrace} s)`);
        this.#stopAll(null);
      },
      kill: (signal) => {
        if (signal) this.#o.log.warning(`${signal} again: killing the workers`);
        this.#stopAll('SIGKILL');
      },
    });
    const { space, shared, strategy, root } = options;
    this.#feed = strategy === 'ranges' ? new RangeFeed(rangeList(space), shared) : undefined;
    this.#maxRestarts = options.maxEventRetries * space.workers + space.workers;
    const now = this.#clock.now();
    this.slots = Array.from({ length: space.workers }, (_, index) =>
      new Slot(index, root, { index, id: this.#nextId++, from: space.start, inheritedChunks: [], skip: [] }, now));
  }

  /** Forks every position, runs until each has ended for good, and says what happened. */
  async run(): Promise<SupervisionOutcome> {
    this.#watch();
    try {
      const t0 = performance.now();
      const settled = await Promise.allSettled(this.slots.map((s) => this.#o.spawn(s)));
      const refused = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (refused) {
        // Those forked wait at the start barrier: release them into a stop, then end them.
        this.#o.shared.requestStop();
        for (const r of settled) {
          if (r.status !== 'fulfilled') continue;
          r.value.kill('SIGKILL');
          await r.value.exited;
        }
        this.#failure = refused.reason as Error;
        return { ...this.#outcome(0), dirs: [], unreported: { processed: 0, failed: 0 } };
      }
      const children = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const forkMs = performance.now() - t0;
      this.#o.shared.start();
      this.sample('workers');
      await Promise.all(this.slots.map((slot, i) => this.#supervise(slot, children[i]!)));
      this.sample('done');
      if (!this.#failure && !this.#signalStop.interrupted && this.#badRecords.length > 0) {
        // The bad record nearest the start ends the run, with the code a serial run gives it.
        const bad = this.#badRecords.reduce((a, b) => (b.event < a.event ? b : a));
        this.#failure = new CowloopError(ErrorCodes.ERR_COWLOOP_IO_BAD_RECORD, `worker ${bad.index} (pid ${bad.pid}) failed: ${bad.message}`);
      }
      return this.#outcome(forkMs);
    } finally {
      this.dispose();
    }
  }

  /**
   * SIGINT/SIGTERM (or a stop request): the first stops handing out events and gives the
   * children StopGrace seconds; a second one, not the echo of the first, kills them.
   */
  interrupt(signal: string): void {
    this.#signalStop.interrupt(signal);
  }

  /** The watchdog's look: a child whose done count has not moved for EventTimeout is killed. */
  checkProgress(now = this.#clock.now()): void {
    const { shared, eventTimeout } = this.#o;
    for (const s of this.slots) {
      if (!s.child?.running) continue;
      const done = shared.done(s.index);
      if (done !== s.lastDone) {
        s.lastDone = done;
        s.lastProgress = now;
      } else if (now - s.lastProgress > eventTimeout * 1000) {
        this.#o.log.error(`worker ${s.index} (pid ${s.child.pid}) made no progress for ${eventTimeout} s (event ${shared.inFlight(s.index)}): killing it`);
        s.lastProgress = now;
        s.child.kill('SIGKILL');
      }
    }
  }

  /** Reports progress: events done per position (by its finished children and the running one). */
  sample(phase: 'workers' | 'done'): void {
    const { shared, space } = this.#o;
    const rows = this.slots.map((s) => ({
      index: s.index,
      pid: s.child?.pid ?? 0,
      done: s.finishedEvents + (s.child?.running ? shared.done(s.index) : 0),
      inFlight: shared.inFlight(s.index),
      restarts: s.restarts,
    }));
    const total = Number.isFinite(space.end) ? space.end - space.start : undefined;
    this.#o.progress({ total, done: rows.reduce((n, r) => n + r.done, 0), phase, workers: rows });
  }

  /** Removes the signal handlers and timers (at the end, or in a child forked meanwhile). */
  dispose(): void {
    this.#signalStop.dispose();
    for (const undo of this.#undo.splice(0)) undo();
  }

  #watch(): void {
    this.#signalStop.watch();
    this.#undo.push(this.#clock.every(SAMPLE_EVERY_MS, () => this.sample('workers')));
    const timeout = this.#o.eventTimeout;
    if (timeout > 0) this.#undo.push(this.#clock.every(Math.min(1000, Math.max(50, timeout * 250)), () => this.checkProgress()));
  }

  #stopAll(signal: NodeJS.Signals | null): void {
    this.#o.shared.requestStop();
    for (const s of this.slots) {
      if (!s.child?.running) continue;
      if (this.#feed) s.child.send({ type: 'stop' } satisfies RangeMessage);
      if (signal) s.child.kill(signal);
    }
  }

  #fail(error: Error): void {
    this.#failure = error;
    this.#stopAll('SIGTERM');
  }

  /** Runs one position: each child it has, until one ends for good. */
  async #supervise(slot: Slot, first: WorkerChild): Promise<void> {
    const { shared, strategy } = this.#o;
    let child = first;
    for (;;) {
      slot.adopt(child, this.#clock.now());
      if (this.#feed) {
        const feed = this.#feed;
        child.on('message', (m) => feed.onMessage(slot, m));
        feed.feed(slot);
      }
      const end = await endOf(child);
      if (end.report) {
        this.#reports.push({ ...end.report, generation: slot.generation });
        slot.finished(child, end.report.processed);
      }
      const event = shared.inFlight(slot.index);
      const decision = decideExit({
        end,
        stopping: this.#failure !== undefined || this.#signalStop.interrupted,
        event,
        earlierCrashes: this.#crashes.get(event) ?? 0,
        restarts: slot.restarts,
        maxEventRetries: this.#o.maxEventRetries,
        maxRestarts: this.#maxRestarts,
        onPoisonEvent: this.#o.onPoisonEvent,
      });
      switch (decision.kind) {
        case 'done':
        case 'ignore':
          return;
        case 'bad-record':
          this.#badRecords.push({ index: slot.index, pid: child.pid, ...end.report!.badRecord! });
          return;
        case 'fail': {
          // The worker reported an error itself (an aborting event, an I/O failure): not a
          // crash. It keeps its code, so the job ends as a serial run would.
          const error = end.error!;
          this.#fail(Object.assign(
            new CowloopError(decision.code as ErrorCode, `worker ${slot.index} (pid ${child.pid}) failed: ${error.message}`, { cause: error }),
            'failedEvent' in error ? { failedEvent: (error as { failedEvent: unknown }).failedEvent } : {},
          ));
          return;
        }
        case 'recycle': {
          // Its outputs are complete for what it did; a fresh fork takes the rest.
          const report = end.report!;
          this.#recycles++;
          slot.nextGeneration(this.#o.root);
          const from = strategy === 'roundrobin' || strategy === 'files' ? report.lastEvent + 1 : slot.plan.from;
          slot.plan = { index: slot.index, id: this.#nextId++, from, inheritedChunks: [], skip: this.#poisonNumbers() };
          slot.resend = slot.pending;
          break;
        }
        case 'crash': {
          // Its files are set aside under this name below; the log is where to look.
          const how = describeCrash(end.error!, slot.dir, slot.crashedDir(child.pid));
          this.#o.log.error(`worker ${slot.index} (pid ${child.pid}) ${how}` + (event >= 0 ? ` while processing event ${event}` : ''));
          if (event >= 0) this.#crashes.set(event, decision.crashes);
          if (decision.poison !== 'no') {
            const message = `event ${event} killed ${decision.crashes} workers (MaxEventRetries = ${this.#o.maxEventRetries})`;
            if (decision.poison === 'fail') {
              this.#fail(new CowloopError(ErrorCodes.ERR_COWLOOP_POISON_EVENT, `${message}; set MpEventLoopMgr.OnPoisonEvent = "skip" to skip it`));
              return;
            }
            this.#o.log.error(`${message}: skipped`);
            this.#poison.push({ number: event, algorithm: '', message });
          }
          slot.restarts++;
          if (decision.giveUp) {
            this.#fail(new CowloopError(ErrorCodes.ERR_COWLOOP_WORKER_FAILED, `worker ${slot.index} died ${slot.restarts} times; giving up (see ${slot.dir}*/worker.log)`));
            return;
          }
          this.#restarts++;
          // This child's files are incomplete: set them aside; a replacement redoes its share
          // (earlier, recycled generations of the position ended well and are kept).
          if (fs.existsSync(slot.dir)) fs.renameSync(slot.dir, slot.crashedDir(child.pid));
          slot.plan = {
            index: slot.index,
            id: this.#nextId++,
            from: slot.plan.from,
            inheritedChunks: strategy === 'sharedqueue' ? shared.chunksOf(slot.plan.id) : [],
            skip: this.#poisonNumbers(),
          };
          slot.resend = slot.given;
          break;
        }
      }
      slot.given = [];
      slot.pending = [];
      shared.resetWorker(slot.index);
      try {
        child = await this.#o.spawn(slot);
      } catch (e) {
        this.#fail(e as Error);
        return;
      }
    }
  }

  #poisonNumbers(): number[] {
    return this.#poison.map((p) => p.number);
  }

  #outcome(forkMs: number): SupervisionOutcome {
    const unreported = { processed: 0, failed: 0 };
    for (const s of this.slots) {
      if (!s.unreported) continue;
      unreported.processed += this.#o.shared.done(s.index);
      unreported.failed += this.#o.shared.failed(s.index);
    }
    return {
      reports: this.#reports,
      poison: this.#poison,
      restarts: this.#restarts,
      recycles: this.#recycles,
      interrupted: this.#signalStop.interrupted,
      failure: this.#failure,
      forkMs,
      dirs: this.slots.flatMap((s) => s.finishedDirs),
      unreported,
    };
  }
}
