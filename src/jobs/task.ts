// Task: the unit of work of a WorkManager (after GaudiMP's Parallel.Task). The parent
// initialises it, each worker processes some of the items into its own copy of
// `output`, and the workers' outputs are merged back into the parent's.

export abstract class Task<Item = unknown, Output = unknown> {
  /**
   * Accumulated by process() in each worker and merged in the parent. Every worker starts
   * from the value it has after initializeLocal(), so that value must be empty (0, [], {},
   * new Map(), an empty histogram): otherwise it is counted once per worker.
   */
  output: Output = undefined as Output;

  /** In the parent, before the workers are forked (they inherit what it builds). */
  initializeLocal(): void | Promise<void> {}

  /** Once in each worker, before its first item. */
  initializeRemote(): void | Promise<void> {}

  /** One item, in a worker; accumulate into this.output. */
  abstract process(item: Item): void | Promise<void>;

  /** In the parent, once the outputs are merged. */
  finalize(): void | Promise<void> {}

  /**
   * Merges a worker's output into the parent's (default: numbers summed, arrays appended,
   * Maps and objects merged by key, Sets united, typed arrays and histograms added).
   */
  mergeOutput?(local: Output, remote: Output): Output;
}
