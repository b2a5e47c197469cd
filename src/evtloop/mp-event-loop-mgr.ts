// MpEventLoopMgr: the multi-process event loop (AthenaMP's design). The master initialises
// once, optionally runs the first ForkAfterEvents events itself, then forks NWorkers
// workers that share its memory copy-on-write. Workers take events by Strategy, write
// per-worker outputs, and the master merges them so the result equals a serial run.
// A worker that dies is replaced by a fresh fork that redoes its whole share (its
// in-memory results, histograms for instance, died with it); an event that killed
// MaxEventRetries workers is reported and skipped (or fails the job).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { codeOf, CowloopError, ErrorCodes } from '../errors.js';
import { formatLocation } from '../framework/component.js';
import { prop, type PropertyDecls, type PropsOf } from '../framework/properties.js';
import { IoComponentMgr } from '../io/io-component-mgr.js';
import { mergeRecordFiles } from '../io/merge/record-merge.js';
import { collectGarbage } from '../mem/collect-garbage.js';
import { onChildFork } from '../process/child-hooks.js';
import { fork } from '../process/fork.js';
import { processForkProblem } from '../process/safety.js';
import type { ForkedChild } from '../process/forked-child.js';
import { countAbortedEvent, EventLoopMgr, skippedRecordsOf, type AlgorithmSummary, type FailedEvent, type LoopResult } from './event-loop-mgr.js';
import { chunkCount, rangeList, STRATEGIES, type EventSpace, type Strategy, type WorkerPlan } from './plan.js';
import { eventStatus } from './event-status.js';
import { createRunDir, removeRunDir, type RunDir } from './run-dir.js';
import { semiSpaceWarning } from './semi-space.js';
import { SharedLoopState } from './shared-state.js';
import { runWorker, type RangeMessage, type WorkerMessage, type WorkerReport } from './worker.js';
import { formatWorkerTable } from './worker-table.js';

const mpProperties = {
  NWorkers: prop.int(-1, 'worker processes; 0: run serially in this process; -1: one per core', { min: -1 }),
  Strategy: prop.choice(STRATEGIES, 'sharedqueue',
    'how events reach workers: sharedqueue (chunks claimed from a shared counter), roundrobin (event e to worker e mod N), ranges (the master sends ranges over IPC), files (input file i to worker i mod N)'),
  ChunkSize: prop.int(100, 'events per claim (sharedqueue) or per range (ranges)', { min: 1 }),
  ForkAfterEvents: prop.int(0, 'events the master processes itself before forking (captures lazy initialisation in the shared pages)', { min: 0 }),
  MaxEventRetries: prop.int(2, 'workers an event may kill before it is reported as a poison event', { min: 1 }),
  KeepWorkerOutputs: prop.bool(false, 'keep this run\'s <WorkerDir>/<run id>/ after a successful merge (it is always kept after a failure)'),
  WorkerDir: prop.string('workers', 'directory (relative to ApplicationMgr.OutputDir) under which each run creates <run id>/ holding worker_<i>/ of each worker'),
  WorkerLog: prop.bool(true, "send each worker's stdout and stderr to worker_<i>/worker.log"),
  Affinity: prop.bool(false, 'pin worker i to CPU i mod the number of CPUs'),
  DebugWorker: prop.bool(false, 'each worker prints its pid and waits for SIGUSR1 right after the fork (attach a debugger first)'),
  WarmupGC: prop.bool(false, 'run a full, compacting garbage collection before forking (and before the ForkAfterEvents events); off by default: on the reco example it did not reduce worker memory, and its cost grows with the heap (figures in docs/benchmarks.md and docs/memory-sharing.md)'),
  RecycleAfterEvents: prop.int(0, 'a worker that has processed this many events leaves and is replaced by a fresh fork of the master; 0: never', { min: 0 }),
  RecycleAboveMB: prop.number(0, 'a worker whose private memory (USS) passes this many MiB leaves and is replaced by a fresh fork; 0: never', { min: 0 }),
  StopGrace: prop.number(10, 'seconds workers get to finish after SIGINT/SIGTERM before they are killed', { min: 0 }),
  WarnSemiSpace: prop.bool(true, 'warn (once per process) when workers are forked from a node started without --max-semi-space-size=1: each worker then holds a larger young generation as private memory (figures in docs/memory-sharing.md)'),
  EventOrder: prop.string('event-order.ndjson', 'file (relative to ApplicationMgr.OutputDir) listing which process ran each event, in event order; empty: none'),
};

type MpProps = PropsOf<typeof mpProperties> & EventLoopMgr['props'];

type Range = { id: number; first: number; count: number };

/** One worker position: its current child, the work it owns, and its finished generations. */
interface Slot {
  index: number;
  /** The current child's directory: worker_<i>, then worker_<i>.g<n> after each recycle. */
  dir: string;
  generation: number;
  /** Directories of children that ended well: all of them are merged. */
  finishedDirs: string[];
  /** Events processed by those children. */
  finishedEvents: number;
  plan: WorkerPlan;
  child?: ForkedChild<WorkerReport>;
  /** The last child that sent its report. */
  reported?: ForkedChild<WorkerReport>;
  restarts: number;
  /** ranges strategy: every range sent to the current child, those not done yet, and those to send first. */
  given: Range[];
  pending: Range[];
  resend: Range[];
  lastDone: number;
  lastProgress: number;
}

/** What the last multi-process run did, for the end-of-job table and --json. */
export interface MpRunReport {
  /** One entry per child that reported: a recycled worker position has one per generation. */
  workers: Array<WorkerReport & { generation: number }>;
  /** Events the master ran before forking. */
  masterEvents: number;
  restarts: number;
  /** Workers that left to be replaced by a fresh fork (RecycleAfterEvents / RecycleAboveMB). */
  recycles: number;
  poisonEvents: number[];
  forkMs: number;
  strategy: Strategy;
}

const live = new Set<MpEventLoopMgr>();
/** The semi-space warning is given once per process, however many runs follow. */
let semiSpaceWarned = false;
// In a worker, the master's bookkeeping (watchdog, signal handlers, worker table) is not its own.
onChildFork(() => {
  for (const loop of live) loop.dropMasterState();
  live.clear();
});

export class MpEventLoopMgr extends EventLoopMgr {
  static override properties: PropertyDecls = mpProperties;
  declare readonly props: MpProps;

  #report: MpRunReport | undefined;
  #workerStats: AlgorithmSummary[][] = [];
  #cleanup: Array<() => void> = [];
  #stopWorkers: (() => void) | undefined;

  /** The number of workers NWorkers asks for (-1: one per core). */
  get workerCount(): number {
    const n = this.props.NWorkers;
    return n < 0 ? os.availableParallelism() : n;
  }

  /** Workers are forked only from a process that can fork: say so before anything is initialised. */
  override checkProcess(): void {
    if (this.workerCount === 0) return;
    const problem = processForkProblem();
    if (!problem) return;
    const where = this.propertyLocation('NWorkers');
    throw new CowloopError(
      problem.code,
      `${where && !where.file.startsWith('<') ? `${formatLocation(where)}: ` : ''}${this.name}.NWorkers = ${this.props.NWorkers} forks worker processes, but ${problem.message}`,
    );
  }

  override get forksWorkers(): boolean {
    return this.workerCount > 0;
  }

  /** The last run's per-worker report (undefined after a serial run). */
  get runReport(): MpRunReport | undefined {
    return this.#report;
  }

  override algorithmStats(): AlgorithmSummary[] {
    const own = super.algorithmStats();
    if (this.#workerStats.length === 0) return own;
    return own.map((a) => {
      const sum = { ...a };
      for (const stats of this.#workerStats) {
        const w = stats.find((s) => s.name === a.name);
        if (!w) continue;
        sum.calls += w.calls;
        sum.failures += w.failures;
        sum.totalMs += w.totalMs;
      }
      sum.meanMs = sum.calls ? sum.totalMs / sum.calls : 0;
      return sum;
    });
  }

  override async executeRun(maxEvents = this.eventMax): Promise<LoopResult> {
    const workers = this.workerCount;
    if (workers === 0) return super.executeRun(maxEvents);
    const app = this.application;
    this.markRunStart();
    const result = this.beginResult();
    this.#report = undefined;
    const base = this.#workersRoot(app.outputDir);

    // The events to process: after SkipEvents, up to EvtMax, the first ForkAfterEvents here.
    await this.openInput();
    const skip = this.skipEvents;
    const size = this.selector.count?.();
    let end = size ?? Infinity;
    if (maxEvents >= 0) end = Math.min(end, skip + maxEvents);
    let start = skip;
    const masterEvents: number[] = [];
    // Lazy loading finished and (optionally) the heap compacted before the master's own
    // events, which then warm the event code up for the workers to share.
    await app.prefork();
    if (this.props.WarmupGC) collectGarbage();
    try {
      while (masterEvents.length < this.props.ForkAfterEvents && start < end) {
        const record = await this.readEvent();
        if (record === null) {
          end = start;
          break;
        }
        eventStatus.begin(record.number);
        this.recordOutcome(result, await this.executeEvent(record));
        eventStatus.end();
        masterEvents.push(record.number);
        if (this.stopRequested) throw new CowloopError(ErrorCodes.ERR_COWLOOP_INTERRUPTED, `interrupted: ${result.processed} events were processed`);
        start = record.number + 1;
      }
    } catch (e) {
      result.stoppedEarly = true;
      countAbortedEvent(result, e);
      throw e;
    } finally {
      await this.closeInput();
    }
    const masterSkipped = skippedRecordsOf(this.selector);

    // This run's own directory: nothing else under WorkerDir is touched.
    const runDir = this.#createRunDir(base);
    const root = runDir.dir;
    fs.mkdirSync(path.join(root, 'master'));
    const orderFile = this.props.EventOrder ? path.basename(this.props.EventOrder) : '';
    if (orderFile) {
      const lines = masterEvents.map((n) => `{"event":${n},"worker":-1,"pid":${process.pid},"ok":true}\n`).join('');
      fs.writeFileSync(path.join(root, 'master', orderFile), lines);
    }

    const strategy = this.#strategy(end);
    const files = strategy === 'files' ? this.#inputFiles() : [];
    const space: EventSpace = { start, end, workers, chunkSize: this.props.ChunkSize, files };
    const shared = new SharedLoopState(workers, chunkCount(space));
    const io = new IoComponentMgr();
    io.ioRegisterAll(app.components());

    if (start < end) this.#warnSemiSpace();
    const t0 = performance.now();
    const outcome = start < end
      ? await this.#runWorkers({ space, shared, io, strategy, root, orderFile })
      : { reports: [], poison: [], restarts: 0, recycles: 0, interrupted: false, failure: undefined, forkMs: 0, dirs: [], unreported: { processed: 0, failed: 0 } };
    const slotDirs = outcome.dirs;
    this.#report = {
      workers: outcome.reports.sort((a, b) => a.index - b.index || a.generation - b.generation),
      masterEvents: masterEvents.length,
      restarts: outcome.restarts,
      recycles: outcome.recycles,
      poisonEvents: outcome.poison.map((p) => p.number),
      forkMs: outcome.forkMs,
      strategy,
    };

    if (outcome.failure || outcome.interrupted) {
      // Nothing half-done reaches the final outputs; what exists stays under the worker dir.
      await io.ioAbandon(path.join(root, 'master')).catch((e: unknown) => this.log.error((e as Error).message));
      result.stoppedEarly = true;
      // What was done all the same: workers that reported, and the counters of those that could not.
      addWorkerResults(result, outcome.reports, outcome.poison);
      result.processed += outcome.unreported.processed;
      result.failed += outcome.unreported.failed;
      if (outcome.failure) {
        countAbortedEvent(result, outcome.failure);
        throw outcome.failure;
      }
      throw new CowloopError(
        ErrorCodes.ERR_COWLOOP_INTERRUPTED,
        `interrupted: ${result.processed} events were processed; outputs were not merged and are kept under ${root}`,
      );
    }

    // Merge: every output component folds the workers' files into its own. Each merged file
    // is written under a temporary name and renamed; on failure the workers' files stay.
    try {
      await io.ioMerge(slotDirs);
      if (orderFile) {
        const inputs = [path.join(root, 'master', orderFile), ...slotDirs.map((d) => path.join(d, orderFile))];
        mergeRecordFiles(inputs, path.resolve(app.outputDir, this.props.EventOrder), { format: 'ndjson', allowMissing: true });
      }
    } catch (error) {
      await io.ioAbandon(path.join(root, 'master')).catch((e: unknown) => this.log.error((e as Error).message));
      result.stoppedEarly = true;
      throw new CowloopError(
        ErrorCodes.ERR_COWLOOP_IO_MERGE,
        `merging the workers' outputs failed: ${(error as Error).message}. The workers' files are kept under ${root}; ` +
          'merge them later with cowloop merge',
        { cause: error },
      );
    }
    addWorkerResults(result, outcome.reports, outcome.poison);
    this.reportSkippedRecords(result, [...masterSkipped, ...outcome.reports.flatMap((r) => r.skippedRecords)]);
    this.#workerStats = outcome.reports.map((r) => r.algorithms);
    for (const line of formatWorkerTable(this.#report, performance.now() - t0).split('\n')) this.log.info(line);
    if (outcome.reports.some((r) => r.recycleAboveMBIgnored)) {
      this.log.warning(`RecycleAboveMB = ${this.props.RecycleAboveMB} is at or below a fresh worker's private memory: it was ignored (see the workers' logs)`);
    }
    if (!this.props.KeepWorkerOutputs) removeRunDir(runDir, base);
    return result;
  }

  override requestStop(): void {
    super.requestStop();
    this.#stopWorkers?.();
  }

  /** @internal In a freshly forked worker: forget the master's timers and handlers. */
  dropMasterState(): void {
    for (const undo of this.#cleanup.splice(0)) undo();
  }

  #warnSemiSpace(): void {
    if (semiSpaceWarned || !this.props.WarnSemiSpace) return;
    const warning = semiSpaceWarning(this.name);
    if (!warning) return;
    semiSpaceWarned = true;
    this.log.warning(warning);
  }

  /** Where runs create their own directories; it must lie inside OutputDir. */
  #workersRoot(outputDir: string): string {
    const root = path.resolve(outputDir, this.props.WorkerDir);
    const inside = path.relative(outputDir, root);
    if (!this.props.WorkerDir || !inside || inside.startsWith('..') || path.isAbsolute(inside)) {
      const where = this.propertyLocation('WorkerDir');
      throw new CowloopError(
        ErrorCodes.ERR_COWLOOP_BAD_PROPERTY,
        `${where ? `${where.file}:${where.line}:${where.column}: ` : ''}MpEventLoopMgr.WorkerDir must name a directory inside ` +
          `ApplicationMgr.OutputDir (${outputDir}); each run creates its own directory in it (got ${JSON.stringify(this.props.WorkerDir)})`,
      );
    }
    return root;
  }

  #createRunDir(base: string): RunDir {
    try {
      return createRunDir(base);
    } catch (error) {
      const where = this.propertyLocation('WorkerDir');
      throw new CowloopError(
        ErrorCodes.ERR_COWLOOP_IO_OUTPUT,
        `${where ? `${where.file}:${where.line}:${where.column}: ` : ''}cannot create this run's directory under MpEventLoopMgr.WorkerDir ` +
          `(${base}): ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  #strategy(end: number): Strategy {
    let s: Strategy = this.props.Strategy;
    if ((s === 'ranges' || s === 'sharedqueue') && !Number.isFinite(end)) {
      this.log.warning(`Strategy "${s}" needs an input of known size; using "roundrobin"`);
      s = 'roundrobin';
    }
    if (s === 'files' && typeof (this.selector as { files?: unknown }).files !== 'function') {
      this.log.warning(`Strategy "files" needs an event selector that lists its files; using "roundrobin"`);
      s = 'roundrobin';
    }
    return s;
  }

  #inputFiles(): Array<{ first: number; count: number }> {
    const files = (this.selector as unknown as { files(): ReadonlyArray<{ first: number; count: number }> }).files();
    return files.map((f) => ({ first: f.first, count: f.count }));
  }

  async #runWorkers(run: {
    space: EventSpace;
    shared: SharedLoopState;
    io: IoComponentMgr;
    strategy: Strategy;
    root: string;
    orderFile: string;
  }): Promise<{
    reports: Array<WorkerReport & { generation: number }>;
    poison: FailedEvent[];
    restarts: number;
    recycles: number;
    interrupted: boolean;
    failure: Error | undefined;
    forkMs: number;
    dirs: string[];
    /** Counters of the workers whose last child ended without a report (a failure, a kill). */
    unreported: { processed: number; failed: number };
  }> {
    const { space, shared, io, strategy, root } = run;
    process.title = 'cowloop: master';

    const ranges = strategy === 'ranges' ? rangeList(space) : [];
    let nextRange = 0;
    const crashes = new Map<number, number>();
    const poison: FailedEvent[] = [];
    const reports: Array<WorkerReport & { generation: number }> = [];
    let restarts = 0;
    let recycles = 0;
    let nextId = 1;
    let failure: Error | undefined;
    let interrupted = false;
    /** Bad input records the workers stopped at; the first one fails the run once all are done. */
    const badRecords: Array<{ index: number; pid: number; event: number; message: string }> = [];
    const maxRestarts = this.props.MaxEventRetries * space.workers + space.workers;
    const slots: Slot[] = Array.from({ length: space.workers }, (_, index) => ({
      index,
      dir: path.join(root, `worker_${index}`),
      generation: 0,
      finishedDirs: [],
      finishedEvents: 0,
      plan: { index, id: nextId++, from: space.start, inheritedChunks: [], skip: [] },
      restarts: 0,
      given: [],
      pending: [],
      resend: [],
      lastDone: 0,
      lastProgress: Date.now(),
    }));
    const ncpu = os.availableParallelism();

    const spawn = (slot: Slot): Promise<ForkedChild<WorkerReport>> =>
      fork(
        (ctx) =>
          runWorker(
            {
              loop: this,
              io,
              shared,
              strategy,
              space,
              plan: slot.plan,
              workerDir: slot.dir,
              logToFile: this.props.WorkerLog,
              debug: this.props.DebugWorker,
              eventOrderFile: run.orderFile,
              recycleAfterEvents: this.props.RecycleAfterEvents,
              recycleAboveMB: this.props.RecycleAboveMB,
            },
            ctx,
          ),
        { index: slot.index, title: `cowloop: worker ${slot.index}`, ...(this.props.Affinity ? { cpus: [slot.index % ncpu] } : {}) },
      );

    const feed = (slot: Slot) => {
      const child = slot.child;
      if (!child || strategy !== 'ranges') return;
      while (slot.pending.length < 2 && !shared.stopRequested) {
        const upcoming = slot.resend[0] ?? ranges[nextRange];
        if (!upcoming || upcoming.first >= shared.eventLimit) break; // nothing from a bad record on
        const range = slot.resend.shift() ?? ranges[nextRange++]!;
        slot.given.push(range);
        slot.pending.push(range);
        child.send({ type: 'range', ...range } satisfies RangeMessage);
      }
      if (slot.pending.length === 0) child.send({ type: 'stop' } satisfies RangeMessage);
    };

    const stopAll = (signal: NodeJS.Signals | null) => {
      shared.requestStop();
      for (const s of slots) {
        if (!s.child?.running) continue;
        if (strategy === 'ranges') s.child.send({ type: 'stop' } satisfies RangeMessage);
        if (signal) s.child.kill(signal);
      }
    };

    // SIGINT/SIGTERM: stop handing out events; a second one (not the echo of the same
    // keypress, which reaches both the cowloop command and this process) kills the workers.
    let firstSignalAt = 0;
    let graceTimer: NodeJS.Timeout | undefined;
    const onSignal = (signal: string) => {
      const now = Date.now();
      if (!interrupted) {
        interrupted = true;
        firstSignalAt = now;
        this.log.warning(`${signal}: stopping; workers finish their current event (up to ${this.props.StopGrace} s)`);
        stopAll(null);
        graceTimer = setTimeout(() => stopAll('SIGKILL'), this.props.StopGrace * 1000);
        graceTimer.unref();
      } else if (now - firstSignalAt > 250) {
        this.log.warning(`${signal} again: killing the workers`);
        stopAll('SIGKILL');
      }
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    this.#stopWorkers = () => onSignal('stop requested');
    const total = Number.isFinite(space.end) ? space.end - space.start : undefined;
    const sample = (phase: 'workers' | 'done') => {
      const rows = slots.map((s) => ({
        index: s.index,
        pid: s.child?.pid ?? 0,
        done: s.finishedEvents + (s.child?.running ? shared.done(s.index) : 0),
        inFlight: shared.inFlight(s.index),
        restarts: s.restarts,
      }));
      this.emitProgress({ total, done: rows.reduce((n, r) => n + r.done, 0), phase, workers: rows });
    };
    const sampler = setInterval(() => sample('workers'), 500);
    sampler.unref();
    const watchdog = this.props.EventTimeout > 0 && !this.props.DebugWorker
      ? setInterval(() => {
        const now = Date.now();
        for (const s of slots) {
          if (!s.child?.running) continue;
          const done = shared.done(s.index);
          if (done !== s.lastDone) {
            s.lastDone = done;
            s.lastProgress = now;
          } else if (now - s.lastProgress > this.props.EventTimeout * 1000) {
            this.log.error(`worker ${s.index} (pid ${s.child.pid}) made no progress for ${this.props.EventTimeout} s (event ${shared.inFlight(s.index)}): killing it`);
            s.lastProgress = now;
            s.child.kill('SIGKILL');
          }
        }
      }, Math.min(1000, Math.max(50, this.props.EventTimeout * 250)))
      : undefined;
    watchdog?.unref();
    this.#cleanup.push(() => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      clearInterval(watchdog);
      clearInterval(sampler);
      this.#stopWorkers = undefined;
      clearTimeout(graceTimer);
    });
    live.add(this);

    const runSlot = async (slot: Slot, first: ForkedChild<WorkerReport>): Promise<void> => {
      let child = first;
      for (;;) {
        slot.child = child;
        slot.lastDone = 0;
        slot.lastProgress = Date.now();
        child.on('message', (m) => {
          const msg = m as WorkerMessage;
          if (msg.type === 'range-done') {
            slot.pending = slot.pending.filter((r) => r.id !== msg.id);
            feed(slot);
          }
        });
        feed(slot);
        const outcome = await child.result.then(
          (report) => ({ report, error: undefined }),
          (error: unknown) => ({ report: undefined, error: error as Error & { code?: string; signal?: string; exitCode?: number } }),
        );
        await child.exited;
        if (outcome.report) {
          const report = { ...outcome.report, generation: slot.generation };
          slot.reported = child;
          reports.push(report);
          slot.finishedDirs.push(slot.dir);
          slot.finishedEvents += report.processed;
          if (report.badRecord) {
            badRecords.push({ index: slot.index, pid: child.pid, ...report.badRecord });
            return;
          }
          if (!report.recycled || failure || interrupted) return;
          // Recycled: its outputs are complete for what it did; a fresh fork takes the rest.
          recycles++;
          slot.generation++;
          slot.dir = path.join(root, `worker_${slot.index}.g${slot.generation}`);
          const from = strategy === 'roundrobin' || strategy === 'files' ? report.lastEvent + 1 : slot.plan.from;
          slot.plan = { index: slot.index, id: nextId++, from, inheritedChunks: [], skip: poison.map((p) => p.number) };
          slot.resend = slot.pending;
        } else {
          const error = outcome.error!;
          if (failure || interrupted) return;
          if (error.code !== ErrorCodes.ERR_COWLOOP_CHILD_EXITED) {
            // The worker reported an error itself (an aborting event, a bad input record, an
            // I/O failure): not a crash. It keeps its code, so the job ends as a serial run would.
            const code = codeOf(error, ErrorCodes.ERR_COWLOOP_WORKER_FAILED);
            failure = Object.assign(
              new CowloopError(code, `worker ${slot.index} (pid ${child.pid}) failed: ${error.message}`, { cause: error }),
              'failedEvent' in error ? { failedEvent: (error as { failedEvent: unknown }).failedEvent } : {},
            );
            stopAll('SIGTERM');
            return;
          }
          const event = shared.inFlight(slot.index);
          // Its files are set aside under this name below; the log is where to look.
          const crashedLog = path.join(`${slot.dir}.crashed-${child.pid}`, 'worker.log');
          const how = ranOutOfHeap(error.signal, path.join(slot.dir, 'worker.log'))
            ? `ran out of JavaScript heap (see ${crashedLog}; node's --max-old-space-size sets the limit)`
            : error.message.replace(/^child \d+ /, '');
          this.log.error(`worker ${slot.index} (pid ${child.pid}) ${how}` + (event >= 0 ? ` while processing event ${event}` : ''));
          if (event >= 0) {
            const n = (crashes.get(event) ?? 0) + 1;
            crashes.set(event, n);
            if (n >= this.props.MaxEventRetries) {
              const message = `event ${event} killed ${n} workers (MaxEventRetries = ${this.props.MaxEventRetries})`;
              if (this.props.OnPoisonEvent === 'fail') {
                failure = new CowloopError(ErrorCodes.ERR_COWLOOP_POISON_EVENT, `${message}; set MpEventLoopMgr.OnPoisonEvent = "skip" to skip it`);
                stopAll('SIGTERM');
                return;
              }
              this.log.error(`${message}: skipped`);
              poison.push({ number: event, algorithm: '', message });
            }
          }
          if (++slot.restarts > maxRestarts) {
            failure = new CowloopError(ErrorCodes.ERR_COWLOOP_WORKER_FAILED, `worker ${slot.index} died ${slot.restarts} times; giving up (see ${slot.dir}*/worker.log)`);
            stopAll('SIGTERM');
            return;
          }
          restarts++;
          // This child's files are incomplete: set them aside; a replacement redoes its share
          // (earlier, recycled generations of the slot ended well and are kept).
          if (fs.existsSync(slot.dir)) fs.renameSync(slot.dir, `${slot.dir}.crashed-${child.pid}`);
          slot.plan = {
            index: slot.index,
            id: nextId++,
            from: slot.plan.from,
            inheritedChunks: strategy === 'sharedqueue' ? shared.chunksOf(slot.plan.id) : [],
            skip: poison.map((p) => p.number),
          };
          slot.resend = slot.given;
        }
        slot.given = [];
        slot.pending = [];
        shared.resetWorker(slot.index);
        try {
          child = await spawn(slot);
        } catch (e) {
          failure = e as Error;
          stopAll('SIGTERM');
          return;
        }
      }
    };

    const t0 = performance.now();
    try {
      let children: ForkedChild<WorkerReport>[];
      const settled = await Promise.allSettled(slots.map(spawn));
      const refused = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (refused) {
        // Those forked wait at the start barrier: release them into a stop, then end them.
        shared.requestStop();
        for (const r of settled) {
          if (r.status !== 'fulfilled') continue;
          r.value.kill('SIGKILL');
          await r.value.exited;
        }
        return { reports, poison, restarts, recycles, interrupted, failure: refused.reason as Error, forkMs: 0, dirs: [], unreported: { processed: 0, failed: 0 } };
      }
      children = settled.map((r) => (r as PromiseFulfilledResult<ForkedChild<WorkerReport>>).value);
      const forkMs = performance.now() - t0;
      shared.start();
      sample('workers');
      await Promise.all(slots.map((slot, i) => runSlot(slot, children[i]!)));
      sample('done');
      if (!failure && !interrupted && badRecords.length > 0) {
        // The bad record nearest the start ends the run, with the code a serial run gives it.
        const bad = badRecords.reduce((a, b) => (b.event < a.event ? b : a));
        failure = new CowloopError(ErrorCodes.ERR_COWLOOP_IO_BAD_RECORD, `worker ${bad.index} (pid ${bad.pid}) failed: ${bad.message}`);
      }
      const unreported = { processed: 0, failed: 0 };
      for (const s of slots) {
        if (!s.child || s.reported === s.child) continue;
        unreported.processed += shared.done(s.index);
        unreported.failed += shared.failed(s.index);
      }
      return { reports, poison, restarts, recycles, interrupted, failure, forkMs, dirs: slots.flatMap((s) => s.finishedDirs), unreported };
    } finally {
      this.dropMasterState();
      live.delete(this);
    }
  }
}

/** Adds the workers' reports and the poison events to a result. */
function addWorkerResults(result: LoopResult, reports: readonly WorkerReport[], poison: readonly FailedEvent[]): void {
  for (const r of reports) {
    result.processed += r.processed;
    result.failed += r.failed;
    result.failedEvents.push(...r.failedEvents);
  }
  result.processed += poison.length;
  result.failed += poison.length;
  result.failedEvents.push(...poison);
  result.failedEvents.sort((a, b) => a.number - b.number);
}

/**
 * V8 aborts a process whose heap is full (SIGABRT) after writing "JavaScript heap out of
 * memory" to stderr, which is the worker's log: both together mean the worker ran out of heap.
 */
function ranOutOfHeap(signal: string | undefined, logFile: string): boolean {
  if (signal !== 'SIGABRT' && signal !== 'SIGIOT') return false;
  try {
    const fd = fs.openSync(logFile, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const tail = Buffer.alloc(Math.min(size, 64 * 1024));
      fs.readSync(fd, tail, 0, tail.length, size - tail.length);
      return tail.toString('utf8').includes('JavaScript heap out of memory');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
}
