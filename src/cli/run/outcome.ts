// What a finished (or failed) `cowloop run` comes to: its status and exit code, and the
// --json summary written on standard output.
import { CowloopError } from '../../errors.js';
import type { RunSummary } from '../../framework/application.js';
import type { RunRecord, RunStatus } from '../../report/types.js';
import { userFrames } from '../../util/user-frames.js';
import { EXIT, EXIT_FOR_CLASS, exitClassOf } from '../exit-codes.js';

export interface Classified {
  status: RunStatus;
  exitCode: number;
}

/** The status and exit code of a run, from the exit class of its error (src/errors.ts). */
export function classify(error: unknown, summary: RunSummary | undefined): Classified {
  if (error === undefined) return summary && summary.failed > 0 ? { status: 'failed-events', exitCode: EXIT.EVENTS_FAILED } : { status: 'ok', exitCode: EXIT.OK };
  const exitClass = exitClassOf(error);
  const status: RunStatus = exitClass === 'interrupted' ? 'interrupted' : exitClass === 'events' ? 'failed-events' : 'error';
  return { status, exitCode: EXIT_FOR_CLASS[exitClass] };
}

/** Where the user's code threw: the failed event's frames, else those of the error's cause. */
export function errorFrames(error: unknown): string[] {
  const failed = (error as { failedEvent?: { at?: string[] } } | undefined)?.failedEvent;
  return failed?.at ?? userFrames(error);
}

/** The lines a person reads on stderr for an error, with the user's frames under it. */
export function errorLine(error: unknown): string {
  const frames = errorFrames(error).map((f) => `\n    ${f}`).join('');
  if (error instanceof CowloopError) return `cowloop: ${error.message} [${error.code}]${frames}`;
  const e = error as Error | undefined;
  return `cowloop: ${e?.stack ?? String(error)}`;
}

export interface JsonSummary {
  status: RunStatus;
  exitCode: number;
  job: string;
  eventLoop: string;
  /** The process that ran the job (the master of a multi-process run). */
  masterPid: number;
  processed: number;
  failed: number;
  wallMs: number;
  failedEvents: RunSummary['failedEvents'];
  outputs: string[];
  algorithms: RunSummary['algorithms'];
  messages: RunSummary['messages'] | null;
  /** One row per worker of a multi-process run (empty for a serial one). */
  workers: Array<RunRecord['workers'][number] & { share: number; wallMsPerEvent: number | null; cpuMsPerEvent: number | null }>;
  multiProcess: RunRecord['multiProcess'];
  /** With `at`: the top frames of the user's code where it threw (empty when unknown). */
  error: (NonNullable<RunRecord['error']> & { at: string[] }) | null;
  report: string | null;
  memProfile: string | null;
}

export function jsonSummary(
  record: RunRecord,
  summary: RunSummary | undefined,
  algorithms: RunSummary['algorithms'],
  files: { report?: string; memProfile?: string },
  failedEvents: RunSummary['failedEvents'] = summary?.failedEvents ?? [],
  error?: unknown,
): JsonSummary {
  const total = record.workers.reduce((n, w) => n + w.processed, 0);
  return {
    status: record.status,
    exitCode: record.exitCode,
    job: record.job,
    eventLoop: record.eventLoop,
    masterPid: record.host.masterPid,
    processed: record.processed,
    failed: record.failed,
    wallMs: Math.round(record.wallMs * 10) / 10,
    failedEvents,
    outputs: summary?.outputs ?? [],
    algorithms,
    messages: summary?.messages ?? null,
    workers: record.workers.map((w) => ({
      ...w,
      share: total > 0 ? w.processed / total : 0,
      wallMsPerEvent: w.processed ? w.wallMs / w.processed : null,
      cpuMsPerEvent: w.processed ? w.cpuMs / w.processed : null,
    })),
    multiProcess: record.multiProcess,
    error: record.error && { ...record.error, at: errorFrames(error) },
    report: files.report ?? null,
    memProfile: files.memProfile ?? null,
  };
}
