// The end of a multi-process run, once every worker has ended for good: a run that failed or
// was interrupted abandons its outputs (nothing half-done reaches the final files; the
// workers' files stay under the run's directory) and throws; a run that ended well merges
// every output component's worker files into its own, adds the workers' counts to the
// result and removes the run's directory (unless KeepWorkerOutputs).
import * as path from 'node:path';
import { CowloopError, ErrorCodes } from '../errors.js';
import type { MsgStream } from '../framework/component.js';
import type { AlgorithmSummary, FailedEvent, LoopResult } from '../framework/event-processor.js';
import type { IoComponentMgr } from '../io/io-component-mgr.js';
import { countAbortedEvent } from './event-loop-mgr.js';
import { cpuMsSince } from './cpu-time.js';
import type { MpRunReport } from './mp-event-loop-mgr.js';
import { removeRunDir, type RunDir } from './run-dir.js';
import type { SupervisionOutcome } from './supervisor-options.js';
import type { WorkerReport } from './worker.js';
import { formatWorkerTable } from './worker-table.js';

export interface RunEnd {
  io: IoComponentMgr;
  runDir: RunDir;
  /** WorkerDir, under which the run's directory was created. */
  base: string;
  result: LoopResult;
  outcome: SupervisionOutcome;
  report: MpRunReport;
  /** Bad records the master skipped before forking. */
  masterSkipped: number[];
  /** When the workers' part began (performance.now()). */
  t0: number;
  log: MsgStream;
  recycleAboveMB: number;
  keepWorkerOutputs: boolean;
  /** The loop's own report of skipped records (a warning and the result's list). */
  reportSkippedRecords(result: LoopResult, events: number[]): void;
  /** Keeps the workers' algorithm counters for algorithmStats(). */
  keepWorkerStats(stats: AlgorithmSummary[][]): void;
}

/** Abandons (and throws) or merges, as the outcome says; resolves to the run's result. */
export async function endRun(end: RunEnd): Promise<LoopResult> {
  const { io, runDir, base, result, outcome, masterSkipped, t0 } = end;
  const root = runDir.dir;
  const slotDirs = outcome.dirs;
  if (outcome.failure || outcome.interrupted) {
    // Nothing half-done reaches the final outputs; what exists stays under the worker dir.
    await io.ioAbandon(path.join(root, 'master')).catch((e: unknown) => end.log.error((e as Error).message));
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
  const merge0 = performance.now();
  const mergeCpu0 = process.cpuUsage();
  try {
    await io.ioMerge(slotDirs);
  } catch (error) {
    await io.ioAbandon(path.join(root, 'master')).catch((e: unknown) => end.log.error((e as Error).message));
    result.stoppedEarly = true;
    throw new CowloopError(
      ErrorCodes.ERR_COWLOOP_IO_MERGE,
      `merging the workers' outputs failed: ${(error as Error).message}. The workers' files are kept under ${root}; ` +
        'merge them later with cowloop merge',
      { cause: error },
    );
  }
  end.report.timing.mergeMs = performance.now() - merge0;
  end.report.timing.mergeCpuMs = cpuMsSince(mergeCpu0);
  addWorkerResults(result, outcome.reports, outcome.poison);
  end.reportSkippedRecords(result, [...masterSkipped, ...outcome.reports.flatMap((r) => r.skippedRecords)]);
  end.keepWorkerStats(outcome.reports.map((r) => r.algorithms));
  for (const line of formatWorkerTable(end.report, performance.now() - t0).split('\n')) end.log.info(line);
  if (outcome.reports.some((r) => r.recycleAboveMBIgnored)) {
    end.log.warning(`RecycleAboveMB = ${end.recycleAboveMB} is at or below a fresh worker's private memory: it was ignored (see the workers' logs)`);
  }
  if (!end.keepWorkerOutputs) removeRunDir(runDir, base);
  return result;
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
