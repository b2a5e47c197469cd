// The transient per-event store: algorithms put what they derive, later algorithms and
// output streams read it. The event loop hands each event a fresh store and clears it
// afterwards, so nothing leaks from one event into the next.
import { CowloopError, ErrorCodes } from '../errors.js';

export class EventStore {
  readonly #items = new Map<string, unknown>();

  /** Records `value` under `key`; a key is written once per event. */
  put(key: string, value: unknown): void {
    if (this.#items.has(key)) {
      throw new CowloopError(ErrorCodes.ERR_COWLOOP_INVALID_ARGUMENT, `event store: "${key}" is already set in this event`);
    }
    this.#items.set(key, value);
  }

  /** Replaces or sets `key`. */
  set(key: string, value: unknown): void {
    this.#items.set(key, value);
  }

  get<T = unknown>(key: string): T | undefined {
    return this.#items.get(key) as T | undefined;
  }

  /** Like get, but a missing key is an error naming what is there. */
  require<T = unknown>(key: string): T {
    if (!this.#items.has(key)) {
      throw new CowloopError(
        ErrorCodes.ERR_COWLOOP_INVALID_ARGUMENT,
        `event store: no item "${key}" in this event (present: ${[...this.#items.keys()].join(', ') || 'none'})`,
      );
    }
    return this.#items.get(key) as T;
  }

  has(key: string): boolean {
    return this.#items.has(key);
  }

  keys(): string[] {
    return [...this.#items.keys()];
  }

  get size(): number {
    return this.#items.size;
  }

  clear(): void {
    this.#items.clear();
  }
}
