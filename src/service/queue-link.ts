// A node master's connection to the queue, kept for the node's life: opened at the first
// exchange after the workers are forked, closed before a worker is forked again (a child
// keeps every descriptor of its parent: the socket must not be there to keep), and opened
// anew after a fork or when Redis dropped it. An exchange that fails because Redis cannot
// be reached is tried again whole, with back-off, until redisWaitMs have gone by.
import { CowloopError, ErrorCodes } from '../errors.js';
import { RangeQueue } from './range-queue.js';

export class QueueLink {
  #queue: RangeQueue | undefined;

  constructor(
    private readonly url: string,
    private readonly name: string,
    private readonly redisWaitMs: number,
    private readonly say: (line: string) => void,
  ) {}

  /** Runs `exchange` on the open connection (opening it if needed); see above for failures. */
  async exchange(exchange: (q: RangeQueue) => Promise<void>): Promise<void> {
    const t0 = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        if (!this.#queue?.usable) {
          await this.close();
          this.#queue = await RangeQueue.open(this.url, this.name);
        }
        await exchange(this.#queue);
        if (attempt > 0) this.say(`cowloop: Redis at ${this.url} answers again`);
        return;
      } catch (error) {
        if (!(error instanceof CowloopError) || error.code !== ErrorCodes.ERR_COWLOOP_QUEUE) throw error;
        await this.close();
        const waited = Date.now() - t0;
        if (waited >= this.redisWaitMs) {
          throw new CowloopError(ErrorCodes.ERR_COWLOOP_QUEUE, `${error.message}; gave up after ${Math.round(waited / 1000)} s (ranges not acknowledged go back to the queue)`, { cause: error });
        }
        const ms = Math.min(8000, 250 * 2 ** attempt);
        this.say(`cowloop: ${error.message}; trying again in ${ms} ms`);
        await new Promise((resolve) => setTimeout(resolve, ms));
      }
    }
  }

  /** Closes the connection, if open, and waits until its socket is gone. */
  async close(): Promise<void> {
    const q = this.#queue;
    this.#queue = undefined;
    await q?.close();
  }
}
