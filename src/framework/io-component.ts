// The one interface every component that touches files implements (Gaudi's IIoComponent).
// It is the framework's, so framework services (HistogramSvc, MessageSvc) implement it
// without importing src/io. The IoComponentMgr (src/io/io-component-mgr.ts) calls ioReinit
// in each forked worker right after the fork, and ioFinalize at the end of the worker's (or
// the serial job's) run.

export interface IoReinitContext {
  /** 0-based index of the worker this process is. */
  workerIndex: number;
  /** Directory owned by this worker: `<out>/workers/<run id>/worker_<i>/`, already created. */
  workerDir: string;
}

export interface IoComponent {
  readonly name: string;
  /**
   * Called in the child right after fork(): re-open inputs (never share the parent's file
   * offset) and open outputs as per-worker files under `ctx.workerDir`.
   */
  ioReinit(ctx: IoReinitContext): void | Promise<void>;
  /** Flush and close everything this component opened. */
  ioFinalize(): void | Promise<void>;
  /**
   * Hand what is buffered to the kernel, synchronously. A worker calls it at the end of each
   * batch of events it claimed (a sharedqueue chunk, a range), so its files hold every
   * batch it finished; optional for components that write nothing between events.
   */
  ioFlush?(): void;
  /**
   * In the master, after every worker ended well: bring what the workers wrote (under each
   * of `workerDirs`) into this component's own output, so the result equals a serial run.
   */
  ioMerge?(ctx: IoMergeContext): void | Promise<void>;
  /**
   * When the run ended early (failed, refused or interrupted): leave the final output as it
   * was; set what this process holds aside under `ctx.keepDir` for a later merge, or drop it
   * when there is no keepDir (a serial run). Called at most once per run that matters;
   * a second call does nothing.
   */
  ioAbandon?(ctx: IoAbandonContext): void | Promise<void>;
}

export interface IoMergeContext {
  workerDirs: readonly string[];
}

export interface IoAbandonContext {
  /** The run's own directory for what is set aside; undefined: drop it. */
  keepDir?: string;
}

export function isIoComponent(value: unknown): value is IoComponent {
  const v = value as Partial<IoComponent> | null;
  return !!v && typeof v.ioReinit === 'function' && typeof v.ioFinalize === 'function';
}
