// WorkManager: runs a Task over items in forked workers with dynamic scheduling (a free
// worker claims the next item from a shared counter), merges the outputs in the parent
// and keeps a per-worker statistics table.
import os from 'node:os';
import { invalidArgument } from '../errors.js';
import { collectGarbage } from '../mem/collect-garbage.js';
import { ClaimedRun } from './claimed-run.js';
import { checkSeconds } from './job.js';
import { mergeValues } from './merge.js';
import { holdParentState } from './parent-state.js';
import type { Task } from './task.js';

export interface WorkManagerOptions {
  /** Workers to fork (default: os.availableParallelism()). */
  ncpus?: number;
  /** Items a worker claims at once (default 1: best balance for items of uneven cost). */
  chunkSize?: number;
  /** Compact the heap before forking so workers share fewer, fuller pages (default true). */
  collectGarbage?: boolean;
  /** Print the statistics table after each process(): true for stdout, or a function. */
  printStatistics?: boolean | ((table: string) => void);
  /** Seconds between SIGTERM and SIGKILL when workers are stopped (default 1). */
  killGrace?: number;
  allowActiveResources?: string[];
}

export interface ProcessOptions {
  /** Seconds for the whole run; on expiry the workers are killed and process() rejects. */
  timeout?: number;
  /** Names an item in errors (default `item <index>`). */
  describeItem?: (item: unknown, index: number) => string;
}

export interface WorkerStatistics {
  /** Worker index, 0-based. */
  worker: number;
  pid: number;
  host: string;
  items: number;
  /** Share of all items, in percent. */
  percent: number;
  /** Time spent in process(), in seconds. */
  timeSum: number;
  /** Seconds per item. */
  timePerItem: number;
}

export interface WorkReport {
  items: number;
  wallSeconds: number;
  statistics: WorkerStatistics[];
  /** The statistics as a text table. */
  table: string;
}

export class WorkManager {
  readonly ncpus: number;
  #chunkSize: number;
  #gc: boolean;
  #print: ((table: string) => void) | undefined;
  #graceMs: number;
  #allow: string[];
  #runs = new Set<ClaimedRun<unknown, unknown>>();

  constructor(options: WorkManagerOptions = {}) {
    if (options === null || typeof options !== 'object') throw invalidArgument('WorkManager options', 'an object', options);
    const { ncpus = os.availableParallelism(), chunkSize = 1, printStatistics = false, killGrace = 1, allowActiveResources = [] } = options;
    if (!Number.isInteger(ncpus) || ncpus < 1) throw invalidArgument('options.ncpus', 'a positive integer', ncpus);
    if (!Number.isInteger(chunkSize) || chunkSize < 1) throw invalidArgument('options.chunkSize', 'a positive integer', chunkSize);
    checkSeconds('options.killGrace', killGrace);
    this.ncpus = ncpus;
    this.#chunkSize = chunkSize;
    this.#gc = options.collectGarbage ?? true;
    this.#print = printStatistics === true ? (t) => process.stdout.write(`${t}\n`) : printStatistics || undefined;
    this.#graceMs = killGrace * 1000;
    this.#allow = [...allowActiveResources];
    holdParentState(this);
  }

  /**
   * initializeLocal() here, then the items are processed in forked workers (each runs
   * initializeRemote() once), their outputs merged into task.output, then finalize().
   */
  async process<Item, Output>(task: Task<Item, Output>, items: Iterable<Item>, options: ProcessOptions = {}): Promise<WorkReport> {
    if (task === null || typeof task !== 'object' || typeof task.process !== 'function') {
      throw invalidArgument('process(task)', 'a Task', task);
    }
    if (items === null || typeof items !== 'object' || !(Symbol.iterator in items)) {
      throw invalidArgument('process(task, items)', 'an iterable', items);
    }
    checkSeconds('options.timeout', options.timeout);
    const list = Array.isArray(items) ? (items as Item[]) : Array.from(items);
    const describe = options.describeItem ?? ((_item: unknown, i: number) => `item ${i}`);
    const t0 = performance.now();
    await task.initializeLocal();
    if (this.#gc) collectGarbage();
    const run = new ClaimedRun<void, Output>({
      count: list.length,
      workers: this.ncpus,
      chunkSize: this.#chunkSize,
      title: 'cowloop: task worker',
      collect: false,
      describeItem: (i) => describe(list[i], i),
      setup: () => task.initializeRemote(),
      item: (i) => task.process(list[i]!),
      summary: () => task.output,
      timeoutMs: options.timeout === undefined ? undefined : options.timeout * 1000,
      graceMs: this.#graceMs,
      forkOptions: { allowActiveResources: this.#allow },
    });
    this.#runs.add(run as ClaimedRun<unknown, unknown>);
    let reports;
    try {
      reports = await run.done;
    } finally {
      this.#runs.delete(run as ClaimedRun<unknown, unknown>);
    }
    for (const r of reports) {
      task.output = task.mergeOutput ? task.mergeOutput(task.output, r.summary) : (mergeValues(task.output, r.summary) as Output);
    }
    await task.finalize();
    const host = os.hostname();
    const total = list.length;
    const statistics = reports.map((r): WorkerStatistics => ({
      worker: r.index,
      pid: r.pid,
      host,
      items: r.count,
      percent: total === 0 ? 0 : (100 * r.count) / total,
      timeSum: r.timeMs / 1000,
      timePerItem: r.count === 0 ? 0 : r.timeMs / 1000 / r.count,
    }));
    const report: WorkReport = { items: total, wallSeconds: (performance.now() - t0) / 1000, statistics, table: formatStatistics(statistics) };
    this.#print?.(report.table);
    return report;
  }

  /** @internal */
  dropInChild(): void {
    for (const run of this.#runs) run.dropInChild();
    this.#runs.clear();
  }
}

/** The per-worker table: items, % of all, time sum, time per item, pid and host. */
export function formatStatistics(rows: WorkerStatistics[]): string {
  const header = ['worker', 'items', '% of all', 'time sum [s]', 'time/item [ms]', 'pid', 'host'];
  const body = rows.map((r) => [
    String(r.worker),
    String(r.items),
    r.percent.toFixed(1),
    r.timeSum.toFixed(3),
    (r.timePerItem * 1000).toFixed(3),
    String(r.pid),
    r.host,
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((row) => row[c]!.length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === cells.length - 1 ? cell : cell.padStart(widths[c]!))).join(' | ');
  return ['Job execution statistics:', line(header), ...body.map(line)].join('\n');
}
