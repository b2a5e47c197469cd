// The worker side of the multi-process loop: what a forked child runs. It re-initialises
// I/O, processes its events with the same per-event step as the serial loop, finalises
// its components (flushing its per-worker outputs) and reports back.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ErrorCodes } from '../errors.js';
import type { ChildContext } from '../process/child-context.js';
import { native } from '../native.js';
import { memoryUsage } from '../mem/usage.js';
import { skippedRecordsOf, type AlgorithmSummary, type EventLoopMgr, type FailedEvent } from './event-loop-mgr.js';
import type { EventOrderFile } from '../io/components/event-order.js';
import type { IoComponentMgr } from '../io/io-component-mgr.js';
import { plannedEvents, type EventSpace, type Strategy, type WorkerPlan } from './plan.js';
import type { SharedClaims } from '../shm/shared-claims.js';
import { eventReader, SKIPPED } from './event-reader.js';
import { processRanges } from './range-feed.js';

export interface WorkerReport {
  index: number;
  pid: number;
  processed: number;
  failed: number;
  failedEvents: FailedEvent[];
  algorithms: AlgorithmSummary[];
  wallMs: number;
  cpuMs: number;
  /**
   * When it passed the start barrier and when its last event ended, in the master's
   * performance.now() (a forked child keeps its parent's time origin): busy time, and how
   * unevenly the workers finished.
   */
  startMs: number;
  eventsEndMs: number;
  /** When its report was ready: outputs finalised, its last memory reading taken. */
  endMs: number;
  /** Highest private memory (USS) seen, MiB, sampled every 1,000 events and at the end. */
  peakUssMiB: number;
  /** Events that stopped because the master asked (SIGINT/SIGTERM). */
  stopped: boolean;
  /** The worker left early to be replaced by a fresh fork (RecycleAfterEvents / RecycleAboveMB). */
  recycled: boolean;
  /** The last event number it processed (-1: none). */
  lastEvent: number;
  /** Input records it skipped as unreadable (EventSelector.OnBadRecord = "skip"). */
  skippedRecords: number[];
  /** RecycleAboveMB was at or below this worker's private memory when it started: ignored. */
  recycleAboveMBIgnored: boolean;
  /**
   * The input record it could not read (EventSelector.OnBadRecord = "fail"): the worker
   * stopped there and ended well; the master fails the run once the events before it are done.
   */
  badRecord?: { event: number; message: string };
}

export interface WorkerSetup {
  loop: EventLoopMgr;
  io: IoComponentMgr;
  shared: SharedClaims;
  strategy: Strategy;
  space: EventSpace;
  plan: WorkerPlan;
  workerDir: string;
  /** Send stdout and stderr to <workerDir>/worker.log. */
  logToFile: boolean;
  /** Stop after the fork and wait for SIGUSR1 (to attach a debugger). */
  debug: boolean;
  /** The record of which process ran each event (re-opened in workerDir with the other outputs). */
  eventOrder: EventOrderFile | undefined;
  /** Leave (to be replaced by a fresh fork) after this many events; 0: never. */
  recycleAfterEvents: number;
  /** Leave when private memory passes this many MiB; 0: never. */
  recycleAboveMB: number;
}

/** The most private memory one minor page fault can add, in MiB. */
const FAULT_MIB = hugePagesAlways() ? 2 : 4 / 1024;

function hugePagesAlways(): boolean {
  try {
    return fs.readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8').includes('[always]');
  } catch {
    return false;
  }
}

export async function runWorker(setup: WorkerSetup, ctx: ChildContext): Promise<WorkerReport> {
  const { loop, io, shared, plan, workerDir } = setup;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  process.title = `cowloop: worker ${plan.index}`;
  // Ctrl-C reaches the whole process group; the master decides (stop after the current
  // event, or kill on a second Ctrl-C), so a worker does not die of it on its own.
  process.on('SIGINT', () => {});
  fs.mkdirSync(workerDir, { recursive: true });
  if (setup.debug) {
    // Listen first, then say so: a SIGUSR1 sent as soon as the line is read must find the listener.
    const released = new Promise<void>((resolve) => process.once('SIGUSR1', () => resolve()));
    process.stderr.write(`cowloop: worker ${plan.index} is pid ${process.pid}; attach now, then: kill -USR1 ${process.pid}\n`);
    await released;
  }
  if (setup.logToFile) redirectOutput(path.join(workerDir, 'worker.log'));
  await io.ioReinit({ workerIndex: plan.index, workerDir });
  const selector = loop.selector;
  await selector.open();
  // Start together: a worker that ran its events while the master still forked the others
  // would take the CPU the forks need (8 forks at 500 MB: ~400 ms racing, ~90 ms waiting).
  shared.waitForStart();
  const order = setup.eventOrder;
  const report: WorkerReport = {
    index: plan.index,
    pid: process.pid,
    processed: 0,
    failed: 0,
    failedEvents: [],
    algorithms: [],
    wallMs: 0,
    cpuMs: 0,
    startMs: performance.now(),
    eventsEndMs: 0,
    endMs: 0,
    peakUssMiB: 0,
    stopped: false,
    recycled: false,
    lastEvent: -1,
    skippedRecords: [],
    recycleAboveMBIgnored: false,
  };
  let ussNow = setup.recycleAboveMB > 0 ? ussMiB() : 0;
  let recycleAboveMB = setup.recycleAboveMB;
  if (recycleAboveMB > 0 && ussNow >= recycleAboveMB) {
    // A fresh fork is already there: recycling by memory would replace every worker after
    // every event. The threshold is for growth; ignore it and say so.
    loop.log.warning(`RecycleAboveMB = ${recycleAboveMB} is at or below a fresh worker's private memory (${ussNow.toFixed(1)} MiB): ignored`);
    report.recycleAboveMBIgnored = true;
    recycleAboveMB = 0;
  }
  const timeToRecycle = (): boolean => {
    if (setup.recycleAfterEvents > 0 && report.processed >= setup.recycleAfterEvents) return true;
    return recycleAboveMB > 0 && ussNow > recycleAboveMB;
  };
  const skip = new Set(plan.skip);
  const read = eventReader(selector);
  let lastUssAt = performance.now();
  let faultsAtUss = process.resourceUsage().minorPageFault;
  // Private memory grows by at most one page per minor fault (2 MiB where transparent huge
  // pages are always on), so smaps_rollup is read only once that bound nears the threshold.
  const recycleCheckDue = (): boolean => {
    if (recycleAboveMB <= 0) return false;
    const faults = process.resourceUsage().minorPageFault - faultsAtUss;
    return ussNow + faults * FAULT_MIB >= recycleAboveMB;
  };
  // Only executeEvent is awaited on the common path: an await per event costs more than
  // the dispatch itself.
  const runOne = async (number: number): Promise<boolean> => {
    if (skip.has(number)) return true;
    if (number >= shared.eventLimit) return false; // a bad record before it ends the run
    let record: Awaited<ReturnType<typeof read>>;
    try {
      const pending = read(number);
      record = pending instanceof Promise ? await pending : pending;
    } catch (error) {
      if ((error as { code?: string }).code !== ErrorCodes.ERR_COWLOOP_IO_BAD_RECORD) throw error;
      // Not this worker's failure alone: the others go on with the events before this one.
      report.badRecord = { event: number, message: (error as Error).message };
      shared.limitEvents(number);
      return false;
    }
    if (record === null) return false; // the end of an input of unknown size
    if (record === SKIPPED) return true; // a bad record, logged and counted by the selector
    shared.setInFlight(plan.index, number);
    const outcome = await loop.executeEvent(record);
    order?.record(number, plan.index, outcome.ok);
    shared.setInFlight(plan.index, -1);
    shared.countDone(plan.index, outcome.ok);
    report.processed++;
    report.lastEvent = number;
    if (!outcome.ok) {
      report.failed++;
      if (outcome.failure) report.failedEvents.push(outcome.failure);
    }
    if ((report.processed & 255) === 0) {
      // Reading smaps_rollup walks the page tables (tens of ms at 1 GB of state), so it is
      // read when a recycling decision may hang on it, and otherwise every 10 s for the peak.
      const now = performance.now();
      if (recycleCheckDue() || now - lastUssAt > 10_000) {
        lastUssAt = now;
        ussNow = ussMiB();
        faultsAtUss = process.resourceUsage().minorPageFault;
        report.peakUssMiB = Math.max(report.peakUssMiB, ussNow);
      }
    }
    return true;
  };

  // Buffered outputs reach the kernel at the end of each batch (a chunk, a range): the
  // worker's files then hold every batch it finished. roundrobin and files have no batches:
  // their buffers are written when full and at the end.
  const batchDone = (): void => io.ioFlush();
  if (setup.strategy === 'ranges') {
    await processRanges(ctx, shared, runOne, report, timeToRecycle, { end: batchDone });
  } else {
    // sharedqueue recycles between chunks (no chunk is left half done); the others anywhere.
    const between = setup.strategy === 'sharedqueue';
    const mayClaim = (): boolean => {
      batchDone();
      return !(between && timeToRecycle() && (report.recycled = true));
    };
    for (const number of plannedEvents(setup.strategy, setup.space, plan, shared, mayClaim)) {
      if (shared.stopRequested) {
        report.stopped = true;
        break;
      }
      if (!(await runOne(number))) break;
      if (!between && timeToRecycle()) {
        report.recycled = true;
        break;
      }
    }
  }
  report.eventsEndMs = performance.now();
  // The last records now, so that a full disk is an output error, not a failed finalize.
  batchDone();
  report.algorithms = loop.algorithmStats();
  report.skippedRecords = skippedRecordsOf(selector);
  // Finalising flushes and closes this worker's outputs (OutputStream, HistogramSvc, ...).
  const app = loop.application;
  await app.stop();
  await app.finalize();
  await io.ioFinalize();
  report.peakUssMiB = Math.max(report.peakUssMiB, ussMiB());
  report.wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  report.cpuMs = (cpu.user + cpu.system) / 1000;
  report.endMs = performance.now();
  return report;
}

function redirectOutput(file: string): void {
  const fd = fs.openSync(file, 'a');
  native().dup2(fd, 1);
  native().dup2(fd, 2);
  fs.closeSync(fd);
}

function ussMiB(): number {
  return memoryUsage().uss;
}
