// The serial event loop (Gaudi's EventLoopMgr). It reads records from the EventSelector,
// runs the top sequence on each with a fresh event store, honours ApplicationMgr.EvtMax and
// EventSelector.SkipEvents, and applies the error policy (OnError).
//
// A multi-process loop extends this class and reuses its parts: openInput/readEvent/
// closeInput (input with skipping applied), executeEvent (one event, with the policy),
// topSequence, application and algorithmStats. Selecting it is one option:
// ApplicationMgr.EventLoop = "MpEventLoopMgr".
import { CowloopError, ErrorCodes } from '../errors.js';
import { AlgorithmFailure, type Algorithm } from '../framework/algorithm.js';
import type { Application } from '../framework/application.js';
import type { ApplicationMgr } from '../framework/application-mgr.js';
import { isEventSource, type EventContext, type EventRecord, type EventSource } from '../framework/event-source.js';
import type { Component } from '../framework/component.js';
import type {
  AlgorithmSummary,
  EventOutcome,
  EventProcessor,
  FailedEvent,
  LoopResult,
  ProgressListener,
  ProgressSample,
} from '../framework/event-processor.js';
import { prop, type PropertyDecls, type PropsOf } from '../framework/properties.js';
import { Sequence } from '../framework/sequence.js';
import { Service } from '../framework/service.js';
import type { EventStoreSvc } from '../framework/services/event-store-svc.js';
import type { JobOptions } from '../options/types.js';
import { IoComponentMgr } from '../io/io-component-mgr.js';
import { userFrames } from '../util/user-frames.js';
import { eventStatus, HEARTBEAT_MS } from './event-status.js';

// The loop's contract and its result types are the framework's (src/framework/event-processor.ts).
export type { AlgorithmSummary, EventOutcome, FailedEvent, LoopResult, ProgressListener, ProgressSample };

/** Event numbers the selector skipped as bad records in this process (none for selectors without the policy). */
export function skippedRecordsOf(selector: EventSource): number[] {
  const list = selector.skippedRecords;
  return Array.isArray(list) ? list.map((r) => r.event) : [];
}

const loopProperties = {
  OnError: prop.choice(['abort', 'skip'] as const, 'abort', 'on an algorithm error: abort the job, or count the event as failed and go on'),
  EvtSel: prop.string('EventSelector', 'name of the event selector service'),
  PrintFreq: prop.int(0, 'log an INFO line every N events; 0: never', { min: 0 }),
  EventTimeout: prop.number(0, 'seconds an event may run: serially the event is then skipped or stops the job (OnPoisonEvent), a worker that finishes no event for this long is killed and replaced; 0: no limit', { min: 0 }),
  OnPoisonEvent: prop.choice(['skip', 'fail'] as const, 'skip', 'an event that ran past EventTimeout (serially) or killed MaxEventRetries workers is skipped and counted as failed, or fails the job'),
};

const PROGRESS_EVERY_MS = 500;

export class EventLoopMgr extends Service implements EventProcessor {
  static override properties: PropertyDecls = loopProperties;
  declare readonly props: PropsOf<typeof loopProperties>;

  #top: Sequence | undefined;
  #selector: (EventSource & Component) | undefined;
  #storeSvc: EventStoreSvc | undefined;
  #inputOpen = false;
  readonly #progress = new Set<ProgressListener>();
  #lastProgress = 0;
  #runStart = 0;
  #stopRequested = false;
  #lastResult: LoopResult | undefined;

  /** Calls `listener` with progress samples during runs; returns the function that removes it. */
  onProgress(listener: ProgressListener): () => void {
    this.#progress.add(listener);
    return () => this.#progress.delete(listener);
  }

  /** True when runs fork workers (MpEventLoopMgr with NWorkers != 0); this loop runs serially. */
  get forksWorkers(): boolean {
    return false;
  }

  /** Stops the run after the current event (the serial loop; MpEventLoopMgr stops its workers). */
  requestStop(): void {
    this.#stopRequested = true;
  }

  get stopRequested(): boolean {
    return this.#stopRequested;
  }

  /**
   * What the last run did, kept up to date while it runs: after a run that threw (an
   * aborting event, a bad input record, an interrupt) it still tells what was processed.
   */
  get lastResult(): LoopResult | undefined {
    return this.#lastResult;
  }

  /** @internal The result a run fills in; lastResult until the next run. */
  protected beginResult(): LoopResult {
    this.#lastResult = { processed: 0, failed: 0, failedEvents: [], stoppedEarly: false };
    return this.#lastResult;
  }

  /** @internal */
  protected emitProgress(sample: Omit<ProgressSample, 'elapsedMs'>): void {
    if (this.#progress.size === 0) return;
    const full = { ...sample, elapsedMs: performance.now() - this.#runStart };
    for (const listener of this.#progress) listener(full);
  }

  /** @internal Marks the start of a run for elapsed times. */
  protected markRunStart(): void {
    this.#runStart = performance.now();
    this.#lastProgress = 0;
    this.#stopRequested = false;
  }

  /**
   * A loop registered under another name (MpEventLoopMgr) first takes the settings written
   * for "EventLoopMgr" (OnError, EvtSel, PrintFreq, OutputLevel), then its own: switching
   * ApplicationMgr.EventLoop keeps the job's error policy without editing other lines.
   */
  override applyOptions(options: JobOptions): void {
    if (this.name !== 'EventLoopMgr') {
      for (const [prop, entry] of options.client('EventLoopMgr')) {
        if (prop in loopProperties || prop === 'OutputLevel') this.setProperty(prop, entry.value, entry.location);
      }
    }
    super.applyOptions(options);
  }

  /** The application this loop runs in. */
  get application(): Application {
    return this.service<ApplicationMgr>('ApplicationMgr').application;
  }

  get topSequence(): Sequence {
    if (!this.#top) throw this.#notInitialized('topSequence');
    return this.#top;
  }

  /** The input: the service named by EvtSel, created on first use. */
  get selector(): EventSource & Component {
    if (!this.#selector) {
      const s = this.service<Component>(this.props.EvtSel);
      if (!isEventSource(s)) {
        throw new CowloopError(
          ErrorCodes.ERR_COWLOOP_UNKNOWN_COMPONENT,
          `${this.name}: service "${this.props.EvtSel}" (${s.type}) is not an event source (it needs open, next and close)`,
        );
      }
      this.#selector = s;
    }
    return this.#selector;
  }

  /**
   * Checks, before the application initialises any component, that this process can do
   * what the run will need (the multi-process loop: fork). Throws a CowloopError if not.
   */
  checkProcess(): void {}

  /** ApplicationMgr.EvtMax: events to process, -1 for all. */
  get eventMax(): number {
    return this.service<ApplicationMgr>('ApplicationMgr').props.EvtMax;
  }

  /** EventSelector.SkipEvents when the selector declares it, else 0. */
  get skipEvents(): number {
    const s = this.selector;
    return s.hasProperty('SkipEvents') ? s.getProperty<number>('SkipEvents') : 0;
  }

  /**
   * Creates TopSequence from ApplicationMgr.TopAlg, with all its algorithms, so their
   * options are checked at configure (the application calls this); idempotent.
   */
  createTopSequence(): Sequence {
    if (this.#top) return this.#top;
    const mgr = this.service<ApplicationMgr>('ApplicationMgr');
    const top = this.context.create<Sequence>('Sequence/TopSequence');
    if (!(top instanceof Sequence)) throw new CowloopError(ErrorCodes.ERR_COWLOOP_BAD_PROPERTY, 'TopSequence must be a Sequence');
    top.setProperty('Members', mgr.props.TopAlg, mgr.propertyLocation('TopAlg'));
    top.createMembers();
    this.#top = top;
    return top;
  }

  override async initialize(): Promise<void> {
    this.#storeSvc = this.service<EventStoreSvc>('EventStore');
    const top = this.createTopSequence();
    void this.selector; // fail at initialize, not at the first event, when the input is missing
    await top.sysInitialize();
  }

  override async start(): Promise<void> {
    await this.topSequence.sysStart();
  }

  override async stop(): Promise<void> {
    if (this.#inputOpen) await this.closeInput();
    if (this.topSequence.state === 'running') await this.topSequence.sysStop();
  }

  override async finalize(): Promise<void> {
    if (this.topSequence.state === 'initialized') await this.topSequence.sysFinalize();
  }

  /** Opens the input and skips EventSelector.SkipEvents records. */
  async openInput(): Promise<void> {
    const s = this.selector;
    await s.open();
    this.#inputOpen = true;
    const skip = this.skipEvents;
    if (skip > 0) {
      if (s.seek) await s.seek(skip);
      else for (let i = 0; i < skip && (await s.next()) !== null; i++);
    }
  }

  readEvent(): EventRecord | null | Promise<EventRecord | null> {
    return this.selector.next();
  }

  async closeInput(): Promise<void> {
    this.#inputOpen = false;
    await this.selector.close();
  }

  /**
   * Runs the top sequence on one record with a fresh event store. With OnError = "skip" a
   * failure is logged and returned; with "abort" it is thrown (ERR_COWLOOP_EVENT_FAILED).
   */
  async executeEvent(record: EventRecord): Promise<EventOutcome> {
    const storeSvc = this.#storeSvc as EventStoreSvc;
    const ctx: EventContext = { number: record.number, run: record.run ?? 0, data: record.data, store: storeSvc.beginEvent() };
    try {
      const passed = await this.topSequence.sysExecute(ctx);
      return { number: record.number, ok: true, passed };
    } catch (e) {
      const failure = describeFailure(record.number, e);
      if (this.props.OnError === 'abort') {
        const error = new CowloopError(
          ErrorCodes.ERR_COWLOOP_EVENT_FAILED,
          `event ${record.number} failed${failure.algorithm ? ` in ${failure.algorithm}` : ''}: ${failure.message}` +
            ' (set EventLoopMgr.OnError = "skip" to count failed events and go on)',
          { cause: e },
        );
        // Travels with the error (also from a worker to the master) so the summary counts it.
        throw Object.assign(error, { failedEvent: failure });
      }
      this.log.error(`event ${record.number} failed${failure.algorithm ? ` in ${failure.algorithm}` : ''}: ${failure.message}; skipped` +
        (failure.at?.[0] ? ` (${failure.at[0]})` : ''));
      for (const frame of failure.at ?? []) this.log.debug(`  ${frame}`);
      return { number: record.number, ok: false, passed: false, failure };
    } finally {
      storeSvc.endEvent();
    }
  }

  /** Processes up to `maxEvents` events (-1: all) from the input; the serial loop. */
  async executeRun(maxEvents = this.eventMax): Promise<LoopResult> {
    this.markRunStart();
    const result = this.beginResult();
    await this.openInput();
    const size = this.selector.count?.();
    const total = size === undefined ? undefined : Math.max(0, maxEvents < 0 ? size - this.skipEvents : Math.min(maxEvents, size - this.skipEvents));
    let lastYield = performance.now();
    const timeoutMs = this.props.EventTimeout * 1000;
    let eventStart = 0;
    let giveUp: ((reason: typeof TIMED_OUT) => void) | undefined;
    // While this process's JavaScript can run it beats (the launcher of the cowloop command
    // watches that) and gives up an event that awaits past EventTimeout; one that blocks the
    // thread is the launcher's to stop.
    eventStatus.setTimeoutMs(timeoutMs);
    const heart = setInterval(() => {
      eventStatus.beat();
      if (giveUp && performance.now() - eventStart > timeoutMs) giveUp(TIMED_OUT);
      const inHand = eventStatus.inHand();
      if (inHand >= 0) this.#serialProgress(result.processed, total, false, inHand);
    }, HEARTBEAT_MS);
    // Ref'd: an event awaiting a promise that never settles must not let the process end
    // quietly as if the job were done.
    eventStatus.beat();
    try {
      while (maxEvents < 0 || result.processed < maxEvents) {
        if (this.#stopRequested) {
          result.stoppedEarly = true;
          throw new CowloopError(ErrorCodes.ERR_COWLOOP_INTERRUPTED, `interrupted: ${result.processed} events were processed`);
        }
        const record = await this.readEvent();
        if (record === null) break;
        eventStatus.begin(record.number);
        eventStart = performance.now();
        let outcome: EventOutcome;
        if (timeoutMs > 0) {
          const running = this.executeEvent(record);
          const timedOut = new Promise<typeof TIMED_OUT>((resolve) => (giveUp = resolve));
          const first = await Promise.race([running, timedOut]);
          giveUp = undefined;
          if (first === TIMED_OUT) {
            running.catch(() => {}); // it may still settle; nobody waits for it any more
            outcome = this.#timedOut(record.number);
          } else {
            outcome = first;
          }
        } else {
          outcome = await this.executeEvent(record);
        }
        eventStatus.end();
        this.recordOutcome(result, outcome);
        this.#serialProgress(result.processed, total, false);
        // Events that never wait would starve the event loop: let signal handlers (a stop
        // request on SIGINT) and I/O callbacks run every PROGRESS_EVERY_MS.
        if (performance.now() - lastYield >= PROGRESS_EVERY_MS) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          lastYield = performance.now();
        }
      }
      // Buffered records reach the file now: a full disk is an output error that abandons
      // the outputs, not a failed finalize.
      flushOutputs(this.application.components());
    } catch (e) {
      result.stoppedEarly = true;
      countAbortedEvent(result, e);
      // Nothing of a run that ended early replaces an output (a host may finalize next).
      await this.application.abandonOutputs();
      throw e;
    } finally {
      clearInterval(heart);
      eventStatus.stopBeating();
      eventStatus.end();
      await this.closeInput();
    }
    this.#serialProgress(result.processed, total, true);
    this.reportSkippedRecords(result, skippedRecordsOf(this.selector));
    return result;
  }

  #serialProgress(done: number, total: number | undefined, last: boolean, inFlight = -1): void {
    if (this.#progress.size === 0) return;
    const now = performance.now();
    if (!last && now - this.#lastProgress < PROGRESS_EVERY_MS) return;
    this.#lastProgress = now;
    const phase = last ? 'done' : 'serial';
    this.emitProgress({ total, done, phase, workers: [{ index: 0, pid: process.pid, done, inFlight, restarts: 0 }] });
  }

  /** An event still running after EventTimeout: skipped and counted as failed, or the end of the job. */
  #timedOut(number: number): EventOutcome {
    const failure: FailedEvent = { number, algorithm: '', message: `event ${number} did not finish within EventTimeout = ${this.props.EventTimeout} s` };
    if (this.props.OnPoisonEvent === 'fail') {
      const error = new CowloopError(
        ErrorCodes.ERR_COWLOOP_EVENT_TIMEOUT,
        `${failure.message} (set ${this.name}.OnPoisonEvent = "skip" to skip such events and go on)`,
      );
      throw Object.assign(error, { failedEvent: failure });
    }
    this.log.error(`${failure.message}: skipped`);
    return { number, ok: false, passed: false, failure };
  }

  /** Adds one event's outcome to a result (and prints progress every PrintFreq events). */
  recordOutcome(result: LoopResult, outcome: EventOutcome): void {
    result.processed++;
    if (!outcome.ok) {
      result.failed++;
      if (outcome.failure) result.failedEvents.push(outcome.failure);
    }
    const every = this.props.PrintFreq;
    if (every > 0 && result.processed % every === 0) this.log.info(`processed ${result.processed} events (last: ${outcome.number})`);
  }

  /** Puts the skipped bad records into the result, with one warning that counts them. */
  protected reportSkippedRecords(result: LoopResult, events: number[]): void {
    if (events.length === 0) return;
    const sorted = [...events].sort((a, b) => a - b);
    result.skippedRecords = sorted;
    const list = sorted.length > 20 ? `${sorted.slice(0, 20).join(', ')}, ...` : sorted.join(', ');
    this.log.warning(`${sorted.length} bad input record${sorted.length === 1 ? ' was' : 's were'} skipped (EventSelector.OnBadRecord = "skip"): events ${list}`);
  }

  /** Per-algorithm counters and timing; a multi-process loop returns the workers' sums. */
  algorithmStats(): AlgorithmSummary[] {
    return this.topSequence.allAlgorithms().map((a) => summarize(a));
  }

  #notInitialized(what: string): CowloopError {
    return new CowloopError(ErrorCodes.ERR_COWLOOP_ILLEGAL_TRANSITION, `${this.name}.${what} is available after initialize (state: ${this.state})`);
  }
}

export function summarize(a: Algorithm): AlgorithmSummary {
  const { calls, failures, totalMs } = a.stats;
  return { name: a.name, type: a.type, calls, failures, totalMs, meanMs: calls ? totalMs / calls : 0 };
}

const TIMED_OUT = Symbol('event timed out');

/** An event that aborted the run (OnError = "abort") is processed and failed too. */
export function countAbortedEvent(result: LoopResult, error: unknown): void {
  const failure = (error as { failedEvent?: FailedEvent } | undefined)?.failedEvent;
  if (!failure || result.failedEvents.some((f) => f.number === failure.number)) return;
  result.processed++;
  result.failed++;
  result.failedEvents.push(failure);
}

function describeFailure(number: number, e: unknown): FailedEvent {
  const at = userFrames(e);
  const where = at.length > 0 ? { at } : {};
  if (e instanceof AlgorithmFailure) return { number, algorithm: e.algorithm, message: e.reason, ...where };
  return { number, algorithm: '', message: e instanceof Error ? e.message : String(e), ...where };
}

/** Hands every output component's buffered records to the kernel. */
function flushOutputs(components: Iterable<unknown>): void {
  const io = new IoComponentMgr();
  io.ioRegisterAll(components);
  io.ioFlush();
}
