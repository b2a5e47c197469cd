// Warming up before forking: code that V8 compiles, and pages the work touches for the first
// time, after a fork are private to each child; before the fork they are shared. A process
// runs its per-item work a few times in the parent, watching what it can see grow (V8's
// code and bytecode, its own resident memory), until that growth stops or a cap is reached.
// MpEventLoopMgr does this with ForkAfterEvents = "auto"; warmUp() is the same for users of
// fork(), Pool, WorkManager and ParallelJobProcessor.
import * as v8 from 'node:v8';
import { stopPretenuring } from './pretenuring.js';

export interface WarmUpOptions {
  /** Runs at most (default 1000). */
  maxRuns?: number;
  /** Milliseconds at most, counted from the first run (default 2000): the runs are not parallel. */
  maxMs?: number;
  /** Runs at least before growth may be judged settled (default 16). */
  minRuns?: number;
}

export interface WarmUpReport {
  runs: number;
  ms: number;
  /** Why it stopped: growth settled, or a cap (runs, time) was reached. */
  stoppedBy: 'settled' | 'max-runs' | 'max-ms';
  /**
   * Growth during the runs, KiB: V8's code (see CODE_SPACES; where reading it walks the heap,
   * from the first sample to the last), and this process's resident memory.
   */
  codeKiB: number;
  residentKiB: number;
}

/**
 * No growth: an interval that added under 16 KiB of code, or under 1 KiB per run, and under
 * 32 KiB of resident memory per run (the heap's own churn adds some per run for as long as
 * the runs go on; a table built lazily adds far more). The per-run allowance is for the long
 * intervals: V8 keeps optimising at a falling rate, and on Node.js 22 and later, where the
 * code spaces hold metadata too, the reco example's intervals after event 32 still added
 * 25-30 KiB (0.4-0.8 KiB per event), so that only the cap (200 of 4,000 events) stopped it.
 * Stopped at 128 instead, its workers kept the same private memory (9.0-9.2 MiB after 2,000
 * events each), and code that keeps growing by a little every run is code that more runs
 * before the fork would not share anyway.
 */
const CODE_STILL_BYTES = 16 * 1024;
const CODE_STILL_BYTES_PER_RUN = 1024;
const RESIDENT_STILL_BYTES_PER_RUN = 32 * 1024;
/** Settled: this many intervals in a row without growth. */
const STILL_INTERVALS = 2;

interface Sample {
  code: number;
  resident: number;
}

/**
 * Heap spaces that hold compiled code where V8 keeps bytecode apart from other objects (its
 * trusted spaces, Node.js 22 and later): their sizes are read at no cost. Before that,
 * bytecode lies in the old space and only v8.getHeapCodeStatistics() counts it, walking the
 * whole heap (25-60 ms at 450 MB, each reading, all of it before the fork).
 */
const CODE_SPACES = new Set(['code_space', 'code_large_object_space', 'trusted_space', 'trusted_large_object_space']);
const BYTECODE_APART = v8.getHeapSpaceStatistics().some((s) => s.space_name === 'trusted_space');
/**
 * Where reading the code size walks the heap, it is read only where it can decide the stop:
 * from minRuns on, and never for the report alone. The code spaces' own sizes are no
 * substitute there: they grow a page at a time, and miss the tens of KiB an interval of
 * optimising adds.
 */
const CODE_READING_WALKS_HEAP = !BYTECODE_APART;

function codeBytes(): number {
  if (CODE_READING_WALKS_HEAP) {
    const c = v8.getHeapCodeStatistics();
    return c.code_and_metadata_size + c.bytecode_and_metadata_size;
  }
  let code = 0;
  for (const space of v8.getHeapSpaceStatistics()) if (CODE_SPACES.has(space.space_name)) code += space.space_used_size;
  return code;
}

function sample(): Sample {
  return { code: codeBytes(), resident: process.memoryUsage.rss() };
}

/**
 * Watches growth across runs. Samples are taken after runs 1, 2, 4, 8, ... (so watching
 * costs next to nothing however cheap a run is); growth has settled once two intervals in a
 * row grew no more than the limits above, at minRuns or later. Where a code reading is cheap,
 * the first sample is taken before the runs and sampling starts early enough for a stop at
 * minRuns (rounded up to a power of two); where it walks the heap (Node.js 20), the first
 * sample is taken at minRuns, so the earliest stop is four times that: 3 readings fewer for
 * the same stop for work whose growth has not settled by twice minRuns.
 */
export class GrowthWatch {
  readonly #maxRuns: number;
  readonly #maxMs: number;
  readonly #minRuns: number;
  /** Code before the first interval judged; resident memory before the first run. */
  #firstCode: number | undefined;
  readonly #firstResident: number;
  #last: Sample | undefined;
  #start = 0;
  #runs = 0;
  /** Runs at the last sample. */
  #lastRuns = 0;
  #nextSample = 1;
  #still = 0;
  #stoppedBy: WarmUpReport['stoppedBy'] | undefined;

  constructor(options: WarmUpOptions = {}) {
    // What the runs would teach V8's pretenuring would make every child's per-run objects
    // private old-generation memory (src/mem/pretenuring.ts).
    stopPretenuring();
    this.#maxRuns = options.maxRuns ?? 1000;
    this.#maxMs = options.maxMs ?? 2000;
    this.#minRuns = options.minRuns ?? 16;
    let firstSettle = 1;
    while (firstSettle < this.#minRuns) firstSettle *= 2;
    if (CODE_READING_WALKS_HEAP) {
      this.#nextSample = firstSettle;
      this.#firstResident = process.memoryUsage.rss();
    } else {
      this.#nextSample = Math.max(1, firstSettle / 2 ** STILL_INTERVALS);
      this.#last = sample();
      this.#firstCode = this.#last.code;
      this.#firstResident = this.#last.resident;
    }
  }

  /** Whether another run is wanted (false once settled or at a cap). Call before each run. */
  get wantsMore(): boolean {
    if (this.#stoppedBy) return false;
    if (this.#runs >= this.#maxRuns) this.#stoppedBy = 'max-runs';
    else if (this.#runs > 0 && performance.now() - this.#start >= this.#maxMs) this.#stoppedBy = 'max-ms';
    return this.#stoppedBy === undefined;
  }

  /** Counts one finished run. */
  ran(): void {
    if (this.#runs === 0) this.#start = performance.now();
    this.#runs++;
    if (this.#runs < this.#nextSample) return;
    this.#nextSample *= 2;
    const now = sample();
    const last = this.#last;
    this.#firstCode ??= now.code;
    this.#last = now;
    const runs = this.#runs - this.#lastRuns;
    this.#lastRuns = this.#runs;
    if (!last) return;
    const codeStill = now.code - last.code < Math.max(CODE_STILL_BYTES, CODE_STILL_BYTES_PER_RUN * runs);
    const still = codeStill && now.resident - last.resident < RESIDENT_STILL_BYTES_PER_RUN * runs;
    this.#still = still ? this.#still + 1 : 0;
    if (this.#still >= STILL_INTERVALS && this.#runs >= this.#minRuns) this.#stoppedBy = 'settled';
  }

  get report(): WarmUpReport {
    // Code: up to the last sample where a reading walks the heap (none for the report alone).
    const atSample = this.#lastRuns === this.#runs && this.#last !== undefined;
    const code = atSample || CODE_READING_WALKS_HEAP ? this.#last?.code : codeBytes();
    const resident = atSample ? this.#last!.resident : process.memoryUsage.rss();
    return {
      runs: this.#runs,
      ms: this.#runs > 0 ? performance.now() - this.#start : 0,
      stoppedBy: this.#stoppedBy ?? (this.#runs >= this.#maxRuns ? 'max-runs' : 'max-ms'),
      codeKiB: code === undefined || this.#firstCode === undefined ? 0 : (code - this.#firstCode) / 1024,
      residentKiB: (resident - this.#firstResident) / 1024,
    };
  }
}

/**
 * Runs `work(0)`, `work(1)`, ... in this process until V8's code and the process's resident
 * memory stop growing (or a cap is reached), so that what the work compiles and touches the
 * first time is in place before fork(): then it is shared by every child instead of being
 * made again, privately, in each. Use work whose results can be thrown away (or that is part
 * of the job anyway, as the master's events are for MpEventLoopMgr). It turns V8's
 * allocation-site pretenuring off for the rest of the process first (src/mem/pretenuring.ts).
 */
export async function warmUp(work: (run: number) => unknown, options: WarmUpOptions = {}): Promise<WarmUpReport> {
  const watch = new GrowthWatch(options);
  for (let i = 0; watch.wantsMore; i++) {
    const r = work(i);
    if (r instanceof Promise) await r;
    watch.ran();
  }
  return watch.report;
}
