// The words a parent and its forked workers share to hand out work without a round trip:
// a claim counter a free worker advances with one Atomics.add, a stop flag, a start
// barrier, the first event not to start, and per worker the item it is on and its counts.
// The event loop (sharedqueue chunks) and the jobs' ClaimedRun (item indices) both use it.
// Workers write their own words (and may lower the event limit); the parent reads them
// and writes the stop flag, the barrier and, to abort, the counter.
import { sharedMemory } from './shared-memory.js';

/** Words every process reads, at the start of the block. */
const Shared = {
  /** Non-zero: take no more work. */
  Stop: 0,
  /** The next index to claim. */
  NextClaim: 1,
  /** Non-zero once the parent has forked every worker. */
  Started: 2,
  /** Never written: the start barrier sleeps on it. */
  StartWait: 3,
  /** The first event number not to start. */
  EventLimit: 4,
} as const;
const SHARED_WORDS = 5;

/** Each worker's words, after the shared ones. */
const PerWorker = {
  /** The item or event it is on; -1 between items. */
  Current: 0,
  Done: 1,
  /** Of those done, how many failed (OnError = "skip"). */
  Failed: 2,
} as const;
const WORDS_PER_WORKER = 4; // one spare word keeps each worker's words 16-byte aligned

const NO_LIMIT = 0x7fffffff;
/**
 * Where an abort moves the claim counter: past every index, yet far enough below 2^31
 * that the claims still in flight (each adds at most a chunk) cannot wrap it.
 */
export const CLAIMS_CLOSED = 2 ** 30;

export class SharedClaims {
  readonly #words: Int32Array;
  /** For sharedqueue: which child (its plan id) claimed each chunk; 0: nobody. */
  readonly chunkOwner: Int32Array;

  /** `chunks`: how many claims to remember the owner of (0: none). */
  constructor(workers: number, chunks = 0) {
    this.#words = new Int32Array(sharedMemory(4 * (SHARED_WORDS + WORDS_PER_WORKER * Math.max(1, workers))));
    this.chunkOwner = new Int32Array(sharedMemory(4 * Math.max(1, chunks)));
    for (let w = 0; w < workers; w++) this.#words[this.#word(w, PerWorker.Current)] = -1;
    this.#words[Shared.EventLimit] = NO_LIMIT;
  }

  // ---- claiming ----

  /** Takes `step` indices: returns the first (it may lie past the end: nothing left). */
  claim(step = 1): number {
    return Atomics.add(this.#words, Shared.NextClaim, step);
  }

  /** Hands out nothing more: every later claim lies past the end. */
  closeClaims(): void {
    Atomics.store(this.#words, Shared.NextClaim, CLAIMS_CLOSED);
  }

  /** Claims the next chunk for child `id` and remembers it: returns its index (may be past the end). */
  claimChunk(id: number): number {
    const chunk = this.claim(1);
    if (chunk < this.chunkOwner.length) Atomics.store(this.chunkOwner, chunk, id);
    return chunk;
  }

  chunksOf(id: number): number[] {
    const out: number[] = [];
    for (let c = 0; c < this.chunkOwner.length; c++) if (Atomics.load(this.chunkOwner, c) === id) out.push(c);
    return out;
  }

  /** Marks chunks as belonging to child `id` (a replacement that takes them over). */
  giveChunks(chunks: readonly number[], id: number): void {
    for (const c of chunks) Atomics.store(this.chunkOwner, c, id);
  }

  // ---- stopping and starting ----

  requestStop(): void {
    Atomics.store(this.#words, Shared.Stop, 1);
  }

  get stopRequested(): boolean {
    return Atomics.load(this.#words, Shared.Stop) !== 0;
  }

  /** Lets workers waiting at the start barrier go (the parent, once all are forked). */
  start(): void {
    Atomics.store(this.#words, Shared.Started, 1);
  }

  /**
   * Waits until the parent says start. V8's Atomics.wait does not see a notify from
   * another process, so it sleeps 1 ms at a time and looks again.
   */
  waitForStart(): void {
    while (Atomics.load(this.#words, Shared.Started) === 0 && !this.stopRequested) Atomics.wait(this.#words, Shared.StartWait, 0, 1);
  }

  /**
   * No event numbered `event` or later is to be started (a worker found a bad input record
   * there); events before it still are, so the run ends after every one of them. The
   * lowest such event wins.
   */
  limitEvents(event: number): void {
    let current = Atomics.load(this.#words, Shared.EventLimit);
    while (event < current) {
      const seen = Atomics.compareExchange(this.#words, Shared.EventLimit, current, event);
      if (seen === current) return;
      current = seen;
    }
  }

  /** The first event number not to start (2^31 - 1 when there is none). */
  get eventLimit(): number {
    return Atomics.load(this.#words, Shared.EventLimit);
  }

  // ---- per worker ----

  setInFlight(worker: number, item: number): void {
    Atomics.store(this.#words, this.#word(worker, PerWorker.Current), item);
  }

  /** The item or event `worker` is on; -1: none. */
  inFlight(worker: number): number {
    return Atomics.load(this.#words, this.#word(worker, PerWorker.Current));
  }

  countDone(worker: number, ok: boolean): void {
    Atomics.add(this.#words, this.#word(worker, PerWorker.Done), 1);
    if (!ok) Atomics.add(this.#words, this.#word(worker, PerWorker.Failed), 1);
  }

  done(worker: number): number {
    return Atomics.load(this.#words, this.#word(worker, PerWorker.Done));
  }

  /** Events that failed (OnError = "skip"), of those done. */
  failed(worker: number): number {
    return Atomics.load(this.#words, this.#word(worker, PerWorker.Failed));
  }

  /** A replacement starts counting from zero. */
  resetWorker(worker: number): void {
    Atomics.store(this.#words, this.#word(worker, PerWorker.Current), -1);
    Atomics.store(this.#words, this.#word(worker, PerWorker.Done), 0);
    Atomics.store(this.#words, this.#word(worker, PerWorker.Failed), 0);
  }

  #word(worker: number, which: number): number {
    return SHARED_WORDS + WORDS_PER_WORKER * worker + which;
  }
}
