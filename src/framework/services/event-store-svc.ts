// EventStoreSvc: gives components outside the algorithm's execute(ctx) (tools, services)
// the store of the event being processed. The event loop sets it per event.
import { EventStore } from '../event-store.js';
import { Service } from '../service.js';

export class EventStoreSvc extends Service {
  #current = new EventStore();

  /** The store of the event in flight (empty between events). */
  get current(): EventStore {
    return this.#current;
  }

  /** Called by the event loop at the start of each event. */
  beginEvent(): EventStore {
    this.#current = new EventStore();
    return this.#current;
  }

  /** Called by the event loop at the end of each event. */
  endEvent(): void {
    this.#current.clear();
  }
}
