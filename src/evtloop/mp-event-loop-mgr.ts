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
import { CowloopError, ErrorCodes } from '../errors.js';
import { formatLocation } from '../framework/component.js';
import { prop, type PropertyDecls, type PropsOf } from '../framework/properties.js';
import { IoComponentMgr } from '../io/io-component-mgr.js';
import { EventOrderFile, MASTER_WORKER } from '../io/components/event-order.js';
import { collectGarbage } from '../mem/collect-garbage.js';
import { fork } from '../process/fork.js';
import { processForkProblem } from '../process/safety.js';
import type { ForkedChild } from '../process/forked-child.js';
import { countAbortedEvent, EventLoopMgr, skippedRecordsOf, type AlgorithmSummary, type LoopResult } from './event-loop-mgr.js';
import { chunkCount, STRATEGIES, type EventSpace, type Strategy } from './plan.js';
import { eventStatus } from './event-status.js';
import { createRunDir, type RunDir } from './run-dir.js';
import { endRun } from './run-end.js';
import { semiSpaceWarning } from './semi-space.js';
import { SharedClaims } from '../shm/shared-claims.js';
import type { Slot } from './slot.js';
import { WorkerSupervisor } from './supervisor.js';
import type { GenerationReport, SupervisionOutcome } from './supervisor-options.js';
import { runWorker, type WorkerReport } from './worker.js';
import { cpuMsSince } from './cpu-time.js';
import { autoEventCap, AUTO_MAX_MS, forkAfterProperty } from './fork-after.js';
import { GrowthWatch, type WarmUpReport } from '../mem/warm-up.js';
import { stopPretenuring } from '../mem/pretenuring.js';

const mpProperties = {
  NWorkers: prop.int(-1, 'worker processes; 0: run serially in this process; -1: one per core', { min: -1 }),
  Strategy: prop.choice(STRATEGIES, 'sharedqueue',
    'how events reach workers: sharedqueue (chunks claimed from a shared counter), roundrobin (event e to worker e mod N), ranges (the master sends ranges over IPC), files (input file i to worker i mod N)'),
  ChunkSize: prop.int(100, 'events per claim (sharedqueue) or per range (ranges)', { min: 1 }),
  ForkAfterEvents: forkAfterProperty(
    'events the master processes itself before forking, so that the code they compile and the memory they touch first are shared by the workers; "auto": until V8\'s code and the master\'s resident memory stop growing (at most 5 % of the events, 1,000 events, 2 s); 0: fork right after initialize',
  ),
  MaxEventRetries: prop.int(2, 'workers an event may kill before it is reported as a poison event', { min: 1 }),
  KeepWorkerOutputs: prop.bool(false, 'keep this run\'s <WorkerDir>/<run id>/ after a successful merge (it is always kept after a failure)'),
  WorkerDir: prop.string('workers', 'directory (relative to ApplicationMgr.OutputDir) under which each run creates <run id>/ holding worker_<i>/ of each worker'),
  WorkerLog: prop.bool(true, "send each worker's stdout and stderr to worker_<i>/worker.log"),
  Affinity: prop.bool(false, 'pin worker i to CPU i mod the number of CPUs'),
  HugePages: prop.bool(false, 'before forking, move the large, fully written memory of the master (typed arrays of 32 MiB and more) into 2 MiB pages: each fork then copies far fewer page-table entries (fork\'s hugePages option); the first fork pays the move once (figures in docs/benchmarks.md)'),
  DebugWorker: prop.bool(false, 'each worker prints its pid and waits for SIGUSR1 right after the fork (attach a debugger first)'),
  WarmupGC: prop.bool(false, 'run a full, compacting garbage collection before forking (and before the ForkAfterEvents events); off by default: on the reco example it did not reduce worker memory, and its cost grows with the heap (figures in docs/benchmarks.md and docs/memory-sharing.md)'),
  RecycleAfterEvents: prop.int(0, 'a worker that has processed this many events leaves and is replaced by a fresh fork of the master; 0: never', { min: 0 }),
  RecycleAboveMB: prop.number(0, 'a worker whose private memory (USS) passes this many MiB leaves and is replaced by a fresh fork; 0: never', { min: 0 }),
  StopGrace: prop.number(10, 'seconds workers get to finish after SIGINT/SIGTERM before they are killed', { min: 0 }),
  WarnSemiSpace: prop.bool(true, 'warn (once per process) when workers are forked from a node started without --max-semi-space-size=1: each worker then holds a larger young generation as private memory (figures in docs/memory-sharing.md)'),
  EventOrder: prop.string('', 'file (relative to ApplicationMgr.OutputDir) listing which process ran each event, in event order, e.g. "event-order.ndjson"; empty (the default): none, since with small events the record costs more than the events'),
};

type MpProps = PropsOf<typeof mpProperties> & EventLoopMgr['props'];

/** What the last multi-process run did, for the end-of-job table and --json. */
export interface MpRunReport {
  /** One entry per child that reported: a recycled worker position has one per generation. */
  workers: GenerationReport[];
  /** Events the master ran before forking. */
  masterEvents: number;
  /** ForkAfterEvents = "auto": what the master saw while it ran them. */
  warmUp?: WarmUpReport;
  restarts: number;
  /** Workers that left to be replaced by a fresh fork (RecycleAfterEvents / RecycleAboveMB). */
  recycles: number;
  poisonEvents: number[];
  forkMs: number;
  /** MiB of the master's memory moved into huge pages before forking (HugePages); 0 without. */
  hugePagesMiB: number;
  strategy: Strategy;
  /** Where the run's time went, for accounting against a serial run (docs/benchmarks.md). */
  timing: MpRunTiming;
}

/** Times in ms; `*AtMs` are performance.now() of the master (workers share its clock). */
export interface MpRunTiming {
  /** The run from its start (input opened) to the end of the merge. */
  runMs: number;
  startAtMs: number;
  /** The master's own events before forking (ForkAfterEvents), with the prefork step; its CPU time. */
  masterEventsMs: number;
  masterEventsCpuMs: number;
  /** From the first fork until every worker had ended for good (reaped). */
  workersMs: number;
  workersStartAtMs: number;
  workersEndAtMs: number;
  /** The master's CPU time (user + system) while the workers ran, forks included; of it, in fork() calls. */
  masterCpuMs: number;
  forkCpuMs: number;
  /** Merging the outputs, and the master's CPU time meanwhile. */
  mergeMs: number;
  mergeCpuMs: number;
}

const live = new Set<MpEventLoopMgr>();
/** The semi-space warning is given once per process, however many runs follow. */
let semiSpaceWarned = false;
/** Fork step (src/fork-hooks.ts): in a worker, the master's bookkeeping (watchdog, signal handlers, worker table) is not its own. */
export function masterStateAfterFork(): void {
  for (const loop of live) loop.dropMasterState();
  live.clear();
}

export class MpEventLoopMgr extends EventLoopMgr {
  static override properties: PropertyDecls = mpProperties;
  declare readonly props: MpProps;

  #report: MpRunReport | undefined;
  #workerStats: AlgorithmSummary[][] = [];
  #cleanup: Array<() => void> = [];
  #stopWorkers: (() => void) | undefined;
  /** CPU time of this run's fork() calls so far. */
  #forkCpuMs = 0;

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
    const limit = maxEvents >= 0 ? Math.min(size ?? Infinity, skip + maxEvents) : (size ?? Infinity);
    const tRun = performance.now();
    const cpuRun = process.cpuUsage();
    const { masterEvents, start, end, warmUp } = await this.#runMasterEvents(result, skip, limit);
    const masterEventsMs = performance.now() - tRun;
    const masterEventsCpuMs = cpuMsSince(cpuRun);
    const masterSkipped = skippedRecordsOf(this.selector);

    // This run's own directory: nothing else under WorkerDir is touched.
    const runDir = this.#createRunDir(base);
    const root = runDir.dir;
    fs.mkdirSync(path.join(root, 'master'));

    const strategy = this.#strategy(end);
    const files = strategy === 'files' ? this.#inputFiles() : [];
    const space: EventSpace = { start, end, workers, chunkSize: this.props.ChunkSize, files };
    const shared = new SharedClaims(workers, chunkCount(space));
    const io = new IoComponentMgr();
    io.ioRegisterAll(app.components());
    // Which process ran each event: an output merged (or set aside) with the others.
    const eventOrder = this.props.EventOrder ? new EventOrderFile(path.resolve(app.outputDir, this.props.EventOrder), path.join(root, 'master')) : undefined;
    for (const n of masterEvents) eventOrder?.record(n, MASTER_WORKER, true);
    if (eventOrder) io.ioRegister(eventOrder);

    if (start < end) this.#warnSemiSpace();
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const outcome = start < end
      ? await this.#runWorkers({ space, shared, io, strategy, root, eventOrder, masterEvents: masterEvents.length })
      : { reports: [], poison: [], restarts: 0, recycles: 0, interrupted: false, failure: undefined, forkMs: 0, hugePagesMiB: 0, dirs: [], unreported: { processed: 0, failed: 0 } };
    const t1 = performance.now();
    this.#report = {
      workers: outcome.reports.sort((a, b) => a.index - b.index || a.generation - b.generation),
      masterEvents: masterEvents.length,
      ...(warmUp ? { warmUp } : {}),
      restarts: outcome.restarts,
      recycles: outcome.recycles,
      poisonEvents: outcome.poison.map((p) => p.number),
      forkMs: outcome.forkMs,
      hugePagesMiB: outcome.hugePagesMiB,
      strategy,
      timing: {
        runMs: 0,
        startAtMs: tRun,
        masterEventsMs,
        masterEventsCpuMs,
        workersMs: t1 - t0,
        workersStartAtMs: t0,
        workersEndAtMs: t1,
        masterCpuMs: cpuMsSince(cpu0),
        forkCpuMs: this.#forkCpuMs,
        mergeMs: 0,
        mergeCpuMs: 0,
      },
    };

    const ended = await endRun({
      io,
      runDir,
      base,
      result,
      outcome,
      report: this.#report,
      masterSkipped,
      t0,
      log: this.log,
      recycleAboveMB: this.props.RecycleAboveMB,
      keepWorkerOutputs: this.props.KeepWorkerOutputs,
      reportSkippedRecords: (r, events) => this.reportSkippedRecords(r, events),
      keepWorkerStats: (stats) => (this.#workerStats = stats),
    });
    this.#report.timing.runMs = performance.now() - tRun;
    return ended;
  }

  /**
   * The first ForkAfterEvents events of [start, end), run here before forking. Returns their
   * numbers and the workers' share: from after the last of them, up to end (or the end of an
   * input that ran out first).
   */
  async #runMasterEvents(
    result: LoopResult,
    start: number,
    end: number,
  ): Promise<{ masterEvents: number[]; start: number; end: number; warmUp?: WarmUpReport }> {
    const masterEvents: number[] = [];
    // Before any event: what events teach V8's pretenuring would make the workers' per-event
    // objects private old-generation memory (src/mem/pretenuring.ts).
    stopPretenuring();
    const forkAfter = this.props.ForkAfterEvents;
    const watch = forkAfter === 'auto' ? new GrowthWatch({ maxRuns: autoEventCap(end - start), maxMs: AUTO_MAX_MS }) : undefined;
    const more = (): boolean => (watch ? watch.wantsMore : masterEvents.length < (forkAfter as number));
    // Lazy loading finished and (optionally) the heap compacted before the master's own
    // events, which then warm the event code up for the workers to share.
    await this.application.prefork();
    if (this.props.WarmupGC) collectGarbage();
    try {
      while (start < end && more()) {
        const record = await this.readEvent();
        if (record === null) {
          end = start;
          break;
        }
        eventStatus.begin(record.number);
        this.recordOutcome(result, await this.executeEvent(record));
        eventStatus.end();
        masterEvents.push(record.number);
        watch?.ran();
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
    if (!watch) return { masterEvents, start, end };
    const warmUp = watch.report;
    this.log.debug(`ForkAfterEvents = "auto": ${warmUp.runs} events in the master (${warmUp.stoppedBy}; code +${warmUp.codeKiB.toFixed(0)} KiB, resident +${warmUp.residentKiB.toFixed(0)} KiB, ${warmUp.ms.toFixed(0)} ms)`);
    return { masterEvents, start, end, warmUp };
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
    if (s === 'files' && typeof this.selector.files !== 'function') {
      this.log.warning(`Strategy "files" needs an event selector that lists its files; using "roundrobin"`);
      s = 'roundrobin';
    }
    return s;
  }

  #inputFiles(): Array<{ first: number; count: number }> {
    const files = this.selector.files?.() ?? [];
    return files.map((f) => ({ first: f.first, count: f.count }));
  }

  /** Forks the workers and supervises them until every one has ended for good. */
  async #runWorkers(run: {
    space: EventSpace;
    shared: SharedClaims;
    io: IoComponentMgr;
    strategy: Strategy;
    root: string;
    eventOrder: EventOrderFile | undefined;
    /** Events the master ran before forking. */
    masterEvents: number;
  }): Promise<SupervisionOutcome & { hugePagesMiB: number }> {
    const { space, shared, io, strategy } = run;
    process.title = 'cowloop: master';
    const ncpu = os.availableParallelism();
    // The CPU of fork() calls, counted once while several are under way.
    this.#forkCpuMs = 0;
    let forking = 0;
    let forkCpu0 = process.cpuUsage();
    let hugePagesBytes = 0;
    const spawn = (slot: Slot): Promise<ForkedChild<WorkerReport>> => {
      if (forking++ === 0) forkCpu0 = process.cpuUsage();
      return forkWorker(slot).finally(() => {
        if (--forking === 0) this.#forkCpuMs += cpuMsSince(forkCpu0);
      });
    };
    const forkWorker = async (slot: Slot): Promise<ForkedChild<WorkerReport>> => {
      const child = await fork(
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
              eventOrder: run.eventOrder,
              recycleAfterEvents: this.props.RecycleAfterEvents,
              recycleAboveMB: this.props.RecycleAboveMB,
            },
            ctx,
          ),
        {
          index: slot.index,
          title: `cowloop: worker ${slot.index}`,
          hugePages: this.props.HugePages,
          ...(this.props.Affinity ? { cpus: [slot.index % ncpu] } : {}),
        },
      );
      hugePagesBytes = Math.max(hugePagesBytes, child.timing.hugePagesBytes);
      return child;
    };
    const supervisor = new WorkerSupervisor({
      space,
      shared,
      strategy,
      root: run.root,
      maxEventRetries: this.props.MaxEventRetries,
      onPoisonEvent: this.props.OnPoisonEvent,
      // A worker held at the debugger is not stuck.
      eventTimeout: this.props.DebugWorker ? 0 : this.props.EventTimeout,
      stopGrace: this.props.StopGrace,
      spawn,
      log: this.log,
      // The run's events include those the master ran before forking.
      progress: (sample) =>
        this.emitProgress({ ...sample, total: sample.total === undefined ? undefined : sample.total + run.masterEvents, done: sample.done + run.masterEvents }),
    });
    this.#stopWorkers = () => supervisor.interrupt('stop requested');
    // A worker forked from here must not keep the master's handlers and timers.
    this.#cleanup.push(() => {
      supervisor.dispose();
      this.#stopWorkers = undefined;
    });
    live.add(this);
    try {
      return { ...(await supervisor.run()), hugePagesMiB: hugePagesBytes / 2 ** 20 };
    } finally {
      this.dropMasterState();
      live.delete(this);
    }
  }
}
