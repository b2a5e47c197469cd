// An Algorithm runs once per event: `execute(ctx)` reads the event (ctx.data, ctx.store)
// and puts what it derives into ctx.store. Returning `false` stops the rest of the
// sequence for this event (a filter). The framework times every call.
import { performance } from 'node:perf_hooks';
import { CowloopError, ErrorCodes } from '../errors.js';
import { Component } from './component.js';
import type { EventContext } from './event-source.js';
import { prop, type PropertyDecls } from './properties.js';
import type { Rng } from './services/random.js';
import type { RandomSvc } from './services/random-svc.js';

/** Per-algorithm bookkeeping, reported in the run summary. */
export interface AlgorithmStats {
  calls: number;
  failures: number;
  /** Wall time spent in execute, in milliseconds. */
  totalMs: number;
}

/** An error thrown by an algorithm's execute, tagged with the algorithm and the event. */
export class AlgorithmFailure extends CowloopError {
  readonly algorithm: string;
  readonly eventNumber: number;
  /** The message of what the algorithm threw. */
  readonly reason: string;

  constructor(algorithm: string, eventNumber: number, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(ErrorCodes.ERR_COWLOOP_EVENT_FAILED, `${algorithm} failed in event ${eventNumber}: ${reason}`, { cause });
    this.name = 'AlgorithmFailure';
    this.algorithm = algorithm;
    this.eventNumber = eventNumber;
    this.reason = reason;
  }
}

function tag(algorithm: string, eventNumber: number, e: unknown): AlgorithmFailure {
  return e instanceof AlgorithmFailure ? e : new AlgorithmFailure(algorithm, eventNumber, e);
}

export abstract class Algorithm extends Component {
  static override properties: PropertyDecls = {
    Enable: prop.bool(true, 'run this algorithm; false skips it in every event'),
  };

  readonly stats: AlgorithmStats = { calls: 0, failures: 0, totalMs: 0 };

  /** Processes one event. Return false to stop the sequence for this event. */
  abstract execute(ctx: EventContext): void | boolean | Promise<void | boolean>;

  /**
   * A random number generator for this algorithm in this event, seeded from
   * (RandomSvc.Seed, run, event number, algorithm name): the same numbers whichever
   * process runs the event and whatever other algorithms draw.
   */
  random(ctx: EventContext): Rng {
    return this.service<RandomSvc>('RandomSvc').forEvent(ctx, this.name);
  }

  /** The framework's wrapper around execute: timing and failure counting. Resolves to false when filtered. */
  sysExecute(ctx: EventContext): boolean | Promise<boolean> {
    if (this.props.Enable === false) return true;
    const t0 = performance.now();
    this.stats.calls++;
    let result: void | boolean | Promise<void | boolean>;
    try {
      result = this.execute(ctx);
    } catch (e) {
      this.stats.failures++;
      this.stats.totalMs += performance.now() - t0;
      throw tag(this.name, ctx.number, e);
    }
    if (result instanceof Promise) {
      return result.then(
        (r) => {
          this.stats.totalMs += performance.now() - t0;
          return r !== false;
        },
        (e: unknown) => {
          this.stats.failures++;
          this.stats.totalMs += performance.now() - t0;
          throw tag(this.name, ctx.number, e);
        },
      );
    }
    this.stats.totalMs += performance.now() - t0;
    return result !== false;
  }
}
