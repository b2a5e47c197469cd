// The master and its workers share one block of MAP_SHARED memory: a stop flag, the
// sharedqueue claim counter, the first event not to start, and per worker the event in
// flight and the events done. Workers write their own slots (and may lower the first event
// not to start); the master only reads them (and writes the stop flag).
import { sharedMemory } from '../shm/shared-memory.js';

const HEADER = 5; // [stop, next chunk, start, reserved (the start barrier waits on it), first event not to start]
const EVENT_LIMIT = 4;
const NO_LIMIT = 0x7fffffff;
const PER_WORKER = 4; // [event in flight (-1: none), done, failed, reserved]

export class SharedLoopState {
  readonly #words: Int32Array;
  /** For sharedqueue: which child (its plan id) claimed each chunk; 0: nobody. */
  readonly chunkOwner: Int32Array;

  constructor(workers: number, chunks: number) {
    this.#words = new Int32Array(sharedMemory(4 * (HEADER + PER_WORKER * workers)));
    this.chunkOwner = new Int32Array(sharedMemory(4 * Math.max(1, chunks)));
    for (let w = 0; w < workers; w++) this.#words[HEADER + PER_WORKER * w] = -1;
    this.#words[EVENT_LIMIT] = NO_LIMIT;
  }

  /**
   * No event numbered `event` or later is to be started (a worker found a bad input record
   * there); events before it still are, so the run ends after every one of them. The
   * lowest such event wins.
   */
  limitEvents(event: number): void {
    let current = Atomics.load(this.#words, EVENT_LIMIT);
    while (event < current) {
      const seen = Atomics.compareExchange(this.#words, EVENT_LIMIT, current, event);
      if (seen === current) return;
      current = seen;
    }
  }

  /** The first event number not to start (2^31 - 1 when there is none). */
  get eventLimit(): number {
    return Atomics.load(this.#words, EVENT_LIMIT);
  }

  /** Lets workers waiting at the start barrier go (the master, once all are forked). */
  start(): void {
    Atomics.store(this.#words, 2, 1);
  }

  /**
   * Waits until the master says start. V8's Atomics.wait does not see a notify from
   * another process, so it sleeps 1 ms at a time and looks again.
   */
  waitForStart(): void {
    while (Atomics.load(this.#words, 2) === 0 && !this.stopRequested) Atomics.wait(this.#words, 3, 0, 1);
  }

  requestStop(): void {
    Atomics.store(this.#words, 0, 1);
  }

  get stopRequested(): boolean {
    return Atomics.load(this.#words, 0) !== 0;
  }

  /** Claims the next chunk for child `id`: returns its index (may be past the end). */
  claimChunk(id: number): number {
    const chunk = Atomics.add(this.#words, 1, 1);
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

  setInFlight(worker: number, event: number): void {
    Atomics.store(this.#words, HEADER + PER_WORKER * worker, event);
  }

  inFlight(worker: number): number {
    return Atomics.load(this.#words, HEADER + PER_WORKER * worker);
  }

  countDone(worker: number, ok: boolean): void {
    Atomics.add(this.#words, HEADER + PER_WORKER * worker + 1, 1);
    if (!ok) Atomics.add(this.#words, HEADER + PER_WORKER * worker + 2, 1);
  }

  done(worker: number): number {
    return Atomics.load(this.#words, HEADER + PER_WORKER * worker + 1);
  }

  /** Events that failed (OnError = "skip"), of those done. */
  failed(worker: number): number {
    return Atomics.load(this.#words, HEADER + PER_WORKER * worker + 2);
  }

  /** A replacement starts counting from zero. */
  resetWorker(worker: number): void {
    const base = HEADER + PER_WORKER * worker;
    Atomics.store(this.#words, base, -1);
    Atomics.store(this.#words, base + 1, 0);
    Atomics.store(this.#words, base + 2, 0);
  }
}
