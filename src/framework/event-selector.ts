// Base class for event selectors: a Service named "EventSelector" that is an EventSource.
// It declares SkipEvents, which the event loop applies (selectors never skip themselves).
import type { EventRecord, EventSource } from './event-source.js';
import { prop, type PropertyDecls } from './properties.js';
import { Service } from './service.js';

export abstract class EventSelectorBase extends Service implements EventSource {
  static override properties: PropertyDecls = {
    SkipEvents: prop.int(0, 'events to skip at the start of the input (applied by the event loop)', { min: 0 }),
  };

  abstract open(): void | Promise<void>;
  abstract next(): EventRecord | null | Promise<EventRecord | null>;
  abstract close(): void | Promise<void>;
}

const counterProperties = {
  Events: prop.int(10, 'number of events to generate', { min: 0 }),
  RunNumber: prop.int(1, 'run number carried by every event', { min: 0 }),
};

/**
 * A built-in source of `Events` events whose data is `{ index }`: for tests and for
 * applications that generate their own input in the first algorithm.
 */
export class CounterSelector extends EventSelectorBase {
  static override properties: PropertyDecls = counterProperties;
  #next = 0;

  open(): void {
    this.#next = 0;
  }

  next(): EventRecord | null {
    if (this.#next >= (this.props.Events as number)) return null;
    const n = this.#next++;
    return { number: n, run: this.props.RunNumber as number, data: { index: n } };
  }

  seek(number: number): void {
    this.#next = number;
  }

  count(): number {
    return this.props.Events as number;
  }

  close(): void {}
}
