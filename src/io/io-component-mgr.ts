// IoComponentMgr (Gaudi's IIoComponentMgr): the registry of components that hold files.
// In each forked worker it re-initialises all of them (inputs re-opened, outputs per
// worker); in the master it merges and finalises. Every step calls every component and
// reports all failures together instead of stopping at the first.
import { CowloopError, ErrorCodes, type ErrorCode } from '../errors.js';
import { isIoComponent, type IoComponent, type IoReinitContext } from '../framework/io-component.js';

export class IoComponentMgr {
  readonly #components: IoComponent[] = [];

  /** Registers a component (once; order of registration is the order of every step). */
  ioRegister(component: IoComponent): void {
    if (!isIoComponent(component)) {
      throw new CowloopError(ErrorCodes.ERR_COWLOOP_INVALID_ARGUMENT, 'ioRegister needs an IoComponent (with ioReinit and ioFinalize)');
    }
    if (!this.#components.includes(component)) this.#components.push(component);
  }

  /** Registers every IoComponent among `candidates`. */
  ioRegisterAll(candidates: Iterable<unknown>): void {
    for (const c of candidates) if (isIoComponent(c)) this.ioRegister(c);
  }

  get components(): readonly IoComponent[] {
    return this.#components;
  }

  /** `only`: the components to re-initialise (all by default). */
  ioReinit(ctx: IoReinitContext, only?: (c: IoComponent) => boolean): Promise<void> {
    return this.#each('re-initialise I/O in worker ' + ctx.workerIndex, (c) => (only && !only(c) ? undefined : c.ioReinit(ctx)), ErrorCodes.ERR_COWLOOP_IO_REINIT);
  }

  /** `only`: the components to finalise (all by default). */
  ioFinalize(only?: (c: IoComponent) => boolean): Promise<void> {
    return this.#each('finalise I/O', (c) => (only && !only(c) ? undefined : c.ioFinalize()), ErrorCodes.ERR_COWLOOP_IO_OUTPUT);
  }

  ioMerge(workerDirs: readonly string[]): Promise<void> {
    return this.#each('merge worker outputs', (c) => c.ioMerge?.({ workerDirs }), ErrorCodes.ERR_COWLOOP_IO_MERGE);
  }

  /**
   * Every component's ioFlush, synchronously (a worker calls it once per batch of events:
   * no promise per call). A failure names the component and stops the worker.
   */
  ioFlush(): void {
    for (const c of this.#components) {
      if (c.ioFlush === undefined) continue;
      try {
        c.ioFlush();
      } catch (error) {
        throw new CowloopError(ErrorCodes.ERR_COWLOOP_IO_OUTPUT, `${c.name}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
      }
    }
  }

  /** The run ended early: every output stays as it was; partial results go under keepDir, or are dropped without one. */
  ioAbandon(keepDir?: string): Promise<void> {
    return this.#each('set partial outputs aside', (c) => c.ioAbandon?.({ keepDir }), ErrorCodes.ERR_COWLOOP_IO_OUTPUT);
  }

  /** `code`: the error code of a failure in this step (a failed merge is not a failed re-initialisation). */
  async #each(what: string, step: (c: IoComponent) => void | Promise<void>, code: ErrorCode): Promise<void> {
    const failures: string[] = [];
    let first: unknown;
    for (const c of this.#components) {
      try {
        await step(c);
      } catch (error) {
        first ??= error;
        failures.push(`${c.name}: ${(error as Error)?.message ?? String(error)}`);
      }
    }
    if (failures.length > 0) {
      throw new CowloopError(code, `cannot ${what}:\n  ${failures.join('\n  ')}`, { cause: first });
    }
  }
}
