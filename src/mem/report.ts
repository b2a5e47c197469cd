// memoryReport(pids): per-process rows and totals, ready for a table or for JSON.
import { CowloopError, ErrorCodes, invalidArgument } from '../errors.js';
import { checkPid } from './proc.js';
import { processRole } from './role.js';
import { readSmaps } from './smaps.js';
import type { MemoryBreakdown, SmapsSummary } from './types.js';

/** Private (only this process) and shared (also mapped by others) resident MiB. */
export interface PrivateShared {
  private: number;
  shared: number;
}

/** The numbers of one row; totals and per-process averages have the same shape. */
export interface MemoryFigures {
  code: PrivateShared;
  data: PrivateShared;
  /** Parts of data: V8's heap, malloc memory outside it (ArrayBuffer stores), file data. */
  v8Heap: PrivateShared;
  external: PrivateShared;
  file: PrivateShared;
  pss: number;
  uss: number;
  rss: number;
  swap: number;
}

export interface MemoryReportRow extends MemoryFigures {
  pid: number;
  /** Process title or command line, e.g. "cowloop: worker 3". */
  role: string;
  smaps: SmapsSummary;
}

export interface MemoryReport {
  rows: MemoryReportRow[];
  /** Sums over the rows. totals.pss is what the processes really occupy together. */
  totals: MemoryFigures;
  /** totals / N: the cost per process. */
  perProcess: MemoryFigures;
  /** Pids that had exited before they could be read (only with `skipMissing`). */
  missing: number[];
}

export interface MemoryReportOptions {
  /** Leave out processes that exit while the report is made, instead of failing. */
  skipMissing?: boolean;
}

function split(b: MemoryBreakdown): PrivateShared {
  return { private: b.uss, shared: b.sharedClean + b.sharedDirty };
}

function figuresOf(s: SmapsSummary): MemoryFigures {
  return {
    code: split(s.code),
    data: split(s.data),
    v8Heap: split(s.kinds.v8Heap),
    external: split(s.kinds.external),
    file: split(s.kinds.file),
    pss: s.total.pss,
    uss: s.total.uss,
    rss: s.total.rss,
    swap: s.total.swap,
  };
}

const PAIRS = ['code', 'data', 'v8Heap', 'external', 'file'] as const;
const SCALARS = ['pss', 'uss', 'rss', 'swap'] as const;

function zeroFigures(): MemoryFigures {
  const z = (): PrivateShared => ({ private: 0, shared: 0 });
  return {
    code: z(),
    data: z(),
    v8Heap: z(),
    external: z(),
    file: z(),
    pss: 0,
    uss: 0,
    rss: 0,
    swap: 0,
  };
}

function scaled(into: MemoryFigures, from: MemoryFigures, factor: number): void {
  for (const k of PAIRS) {
    into[k].private += from[k].private * factor;
    into[k].shared += from[k].shared * factor;
  }
  for (const k of SCALARS) into[k] += from[k] * factor;
}

/** Reads /proc/<pid>/smaps of every pid and sums them (see docs/memory.md). */
export function memoryReport(
  pids: readonly number[],
  options: MemoryReportOptions = {},
): MemoryReport {
  if (!Array.isArray(pids)) throw invalidArgument('pids', 'an array of process ids', pids);
  pids.forEach((pid, i) => checkPid(pid, `pids[${i}]`));
  const rows: MemoryReportRow[] = [];
  const missing: number[] = [];
  for (const pid of new Set(pids)) {
    try {
      const role = processRole(pid);
      const smaps = readSmaps(pid);
      rows.push({ pid, role, ...figuresOf(smaps), smaps });
    } catch (error) {
      const gone =
        error instanceof CowloopError && error.code === ErrorCodes.ERR_COWLOOP_NO_SUCH_PROCESS;
      if (!gone || !options.skipMissing) throw error;
      missing.push(pid);
    }
  }
  const totals = zeroFigures();
  for (const row of rows) scaled(totals, row, 1);
  const perProcess = zeroFigures();
  if (rows.length > 0) scaled(perProcess, totals, 1 / rows.length);
  return { rows, totals, perProcess, missing };
}
