// RunRecorder: listens to an event loop's progress samples, reads each running process's
// memory at every sample, and at the end folds it all into a RunRecord (the data of the
// HTML report, of --mem-profile and of `cowloop run --json`).
//
//   const recorder = new RunRecorder({ job: 'job.opts' });
//   await app.configure();
//   recorder.attach(app.eventLoop);
//   const summary = await app.run();
//   const record = recorder.finish({ status: 'ok', exitCode: 0, eventLoop: summary.eventLoop, ... });
//
// Everything here is synchronous and timer-free: the multi-process loop forks while the
// recorder is attached, and a pending timer or file request would be inherited by workers.
import * as os from 'node:os';
import type { EventProcessor, ProgressSample } from '../framework/event-processor.js';
import type { MpRunReport } from '../evtloop/mp-event-loop-mgr.js';
import { memoryUsage } from '../mem/usage.js';
import type { MemorySample, OverallSample, RunPhase, RunRecord, RunRecordWorker, RunStatus, WorkerSample } from './types.js';

export interface RecorderOptions {
  /** The job options file, shown in the report. */
  job: string;
  /** Read /proc/<pid>/smaps_rollup of every process at each sample (default true). */
  memory?: boolean;
  /** Keep at most this many samples in the record; older ones are thinned evenly (default 2000). */
  maxSamples?: number;
  /**
   * Share of the run's time memory readings may take (default 0.02). Reading
   * smaps_rollup walks the page tables: ~20 ms for a 700 MB process. Samples are skipped
   * for memory while the readings so far exceed the share.
   */
  memoryBudget?: number;
}

/** A progress sample as the recorder saw it, with the memory read at that moment. */
export interface RecordedSample {
  sample: ProgressSample;
  tMs: number;
  /** The latest memory reading of each process (by pid) still running at this sample. */
  memory: ReadonlyMap<number, MemorySample>;
}

export interface RunOutcome {
  status: RunStatus;
  exitCode: number;
  eventLoop: string;
  processed?: number;
  failed?: number;
  multiProcess?: MpRunReport | undefined;
  error?: unknown;
}

const MASTER = -1;

export class RunRecorder {
  readonly #options: Required<RecorderOptions>;
  readonly #t0 = performance.now();
  readonly #startedAt = new Date().toISOString();
  readonly #progress: Array<OverallSample & { n: number }> = [];
  readonly #workers: Array<WorkerSample & { n: number }> = [];
  readonly #memory: Array<MemorySample & { n: number }> = [];
  readonly #listeners = new Set<(s: RecordedSample) => void>();
  #count = 0;
  #memorySpentMs = 0;
  readonly #readCount = new Map<number, number>();
  readonly #latest = new Map<number, MemorySample>();
  #runStartMs: number | undefined;
  #last: RecordedSample | undefined;

  constructor(options: RecorderOptions) {
    this.#options = { memory: true, maxSamples: 2000, memoryBudget: 0.02, ...options };
  }

  /** Milliseconds since the recorder was made. */
  get elapsedMs(): number {
    return performance.now() - this.#t0;
  }

  /** The latest sample, if any. */
  get last(): RecordedSample | undefined {
    return this.#last;
  }

  /** Starts listening to `loop`; returns the function that stops it. */
  attach(loop: EventProcessor): () => void {
    return loop.onProgress((sample) => this.record(sample));
  }

  /** Calls `listener` after each recorded sample. */
  onSample(listener: (s: RecordedSample) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Records one progress sample (attach() calls this for every sample of the loop). */
  record(sample: ProgressSample): void {
    const tMs = this.elapsedMs;
    const n = this.#count++;
    this.#runStartMs ??= Math.max(0, tMs - sample.elapsedMs);
    this.#progress.push({ n, tMs, done: sample.done, total: sample.total ?? null, phase: sample.phase });
    for (const w of sample.workers) {
      if (w.pid > 0) this.#workers.push({ n, tMs, index: w.index, pid: w.pid, done: w.done, restarts: w.restarts });
    }
    const processes = sample.workers.filter((w) => w.pid > 0).map((w) => ({ index: w.index, pid: w.pid }));
    if (!processes.some((p) => p.pid === process.pid)) processes.unshift({ index: MASTER, pid: process.pid });
    const memory = new Map<number, MemorySample>();
    const last = sample.phase === 'done';
    // Past the budget, a process read fewer than twice is still read: each line in the
    // report then has a start and an end, however slow the readings are on a busy machine.
    const unread = processes.some((p) => (this.#readCount.get(p.pid) ?? 0) < 2);
    if (this.#options.memory && (this.#memorySpentMs <= this.#options.memoryBudget * tMs || last || unread)) {
      const t0 = performance.now();
      for (const p of processes) {
        const m = readMemory(tMs, p.index, p.pid);
        if (!m) continue;
        this.#latest.set(p.pid, m);
        this.#readCount.set(p.pid, (this.#readCount.get(p.pid) ?? 0) + 1);
        this.#memory.push({ ...m, n });
      }
      this.#memorySpentMs += performance.now() - t0;
    }
    for (const p of processes) {
      const m = this.#latest.get(p.pid);
      if (m) memory.set(p.pid, m);
    }
    this.#last = { sample, tMs, memory };
    for (const listener of this.#listeners) listener(this.#last);
  }

  /** The memory samples so far (for --mem-profile). */
  memorySamples(): MemorySample[] {
    return this.#memory.map(({ n: _n, ...m }) => m);
  }

  /** Ends the record. */
  finish(outcome: RunOutcome): RunRecord {
    const endMs = this.elapsedMs;
    const last = this.#progress.at(-1);
    const mp = outcome.multiProcess;
    const strip = <T extends { n: number }>(rows: T[]): Array<Omit<T, 'n'>> => thin(rows, this.#options.maxSamples).map(({ n: _n, ...r }) => r);
    const workers: RunRecordWorker[] = (mp?.workers ?? []).map((w) => ({
      index: w.index,
      generation: w.generation,
      pid: w.pid,
      processed: w.processed,
      failed: w.failed,
      wallMs: w.wallMs,
      cpuMs: w.cpuMs,
      peakUssMiB: w.peakUssMiB,
    }));
    const error = outcome.error === undefined
      ? null
      : {
        code: typeof (outcome.error as { code?: unknown })?.code === 'string' ? (outcome.error as { code: string }).code : null,
        message: outcome.error instanceof Error ? outcome.error.message : String(outcome.error),
      };
    return {
      format: 'cowloop-run-record',
      version: 1,
      job: this.#options.job,
      startedAt: this.#startedAt,
      host: { cpus: os.availableParallelism(), node: process.version, masterPid: process.pid },
      eventLoop: outcome.eventLoop,
      status: outcome.status,
      exitCode: outcome.exitCode,
      wallMs: endMs,
      processed: outcome.processed ?? last?.done ?? 0,
      failed: outcome.failed ?? 0,
      phases: this.#phases(endMs),
      progress: strip(this.#progress),
      workerSamples: strip(this.#workers),
      memory: strip(this.#memory),
      workers,
      multiProcess: mp
        ? { strategy: mp.strategy, masterEvents: mp.masterEvents, restarts: mp.restarts, recycles: mp.recycles, poisonEvents: [...mp.poisonEvents], forkMs: mp.forkMs, hugePagesMiB: mp.hugePagesMiB, timing: { ...mp.timing } }
        : null,
      error,
    };
  }

  /** Set-up until the loop started, the event phases as the samples saw them, then the end. */
  #phases(endMs: number): RunPhase[] {
    const start = this.#runStartMs;
    if (start === undefined) return [{ name: 'set-up', startMs: 0, endMs }];
    const phases: RunPhase[] = [{ name: 'set-up', startMs: 0, endMs: start }];
    const label = { serial: 'events', master: 'master', workers: 'workers', done: 'finalize' } as const;
    // Before the first sample the loop was already running: serial events, or the master's
    // own events and the fork when the first sample comes from the workers.
    const first = this.#progress[0]?.phase ?? 'serial';
    let current: RunPhase = { name: first === 'workers' ? 'master' : first === 'done' ? 'events' : label[first], startMs: start, endMs };
    for (const p of this.#progress) {
      const name = label[p.phase];
      if (name === current.name) continue;
      current.endMs = p.tMs;
      phases.push(current);
      current = { name, startMs: p.tMs, endMs };
    }
    phases.push(current);
    return phases;
  }
}

/** Rows of at most `max` samples (by sample number n), evenly spread; the last is always kept. */
function thin<T extends { n: number }>(rows: T[], max: number): T[] {
  const ns = [...new Set(rows.map((r) => r.n))];
  if (ns.length <= max) return rows;
  const stride = Math.ceil(ns.length / max);
  const keep = new Set(ns.filter((_, i) => i % stride === 0 || i === ns.length - 1));
  return rows.filter((r) => keep.has(r.n));
}

function readMemory(tMs: number, index: number, pid: number): MemorySample | undefined {
  try {
    const m = memoryUsage(pid);
    return { tMs, index, pid, rss: round(m.rss), pss: round(m.pss), uss: round(m.uss) };
  } catch {
    return undefined; // the process has just exited
  }
}

function round(mib: number): number {
  return Math.round(mib * 100) / 100;
}
