// OutputStream: an algorithm placed last in the top sequence that writes chosen event-store
// items as one record per event (NDJSON or CSV, by the Output extension), the event number
// first. The master (or serial) process writes a partial file beside Output
// (.<name>.partial-<pid>) and renames it into place at finalize only if the run ended well:
// a failed, interrupted or killed run leaves the previous Output untouched. In a forked
// worker, ioReinit retargets it to <workerDir>/<basename of Output>; the master merges its
// own partial file and the workers' files into Output at the end (mergeWorkerOutputs).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CowloopError, ErrorCodes } from '../../errors.js';
import { Algorithm } from '../../framework/algorithm.js';
import type { EventContext } from '../../framework/event-source.js';
import { prop, type PropertyDecls, type PropsOf } from '../../framework/properties.js';
import { recordFormatOf, type RecordFormat } from '../format.js';
import type { IoAbandonContext, IoComponent, IoMergeContext, IoReinitContext } from '../../framework/io-component.js';
import { mergeRecordFiles, type MergeStats, type RecordMergeOptions } from '../merge/record-merge.js';
import { commitPartial, discardPartial, partialPathOf, removeStalePartials, trackPartial, untrackPartial } from '../../util/partial-file.js';
import { DEFAULT_BUFFER_BYTES, RecordWriter } from '../writers/record-writer.js';

const streamProperties = {
  ...Algorithm.properties,
  Output: prop.string('', 'output file (.ndjson, .jsonl or .csv), relative to ApplicationMgr.OutputDir; written as .<name>.partial-<pid> and renamed into place only when the run ends well'),
  ItemList: prop.list(prop.string(), [], 'event-store keys written, in this order, after the "event" field'),
  Format: prop.choice(['auto', 'ndjson', 'csv'] as const, 'auto', 'record format; auto: by the Output extension'),
  BufferBytes: prop.int(DEFAULT_BUFFER_BYTES, 'bytes of records gathered before a write(2); a worker also writes them at the end of each batch of events it claimed, and every process at finalize; 0: one write(2) per record', {
    min: 0,
  }),
};

export class OutputStream extends Algorithm implements IoComponent {
  static override properties: PropertyDecls = streamProperties;
  static readonly typeName = 'OutputStream';
  declare readonly props: PropsOf<typeof streamProperties>;

  #writer: RecordWriter | null = null;
  #output = '';
  #format: RecordFormat = 'ndjson';
  #workerIndex: number | null = null;
  /** This process's partial file (master or serial run), until it is committed, merged or discarded. */
  #partial: string | null = null;
  /** Output, once this process put a whole file there. */
  #committed = false;

  override initialize(): void {
    if (!this.props.Output) {
      throw new CowloopError(ErrorCodes.ERR_COWLOOP_IO_OUTPUT, `${this.name}.Output is not set: give a file name ending in .ndjson or .csv`);
    }
    if (this.props.ItemList.includes('event')) {
      throw new CowloopError(ErrorCodes.ERR_COWLOOP_IO_OUTPUT, `${this.name}.ItemList must not name "event": every record carries the event number already`);
    }
    const dup = this.props.ItemList.find((k, i, all) => all.indexOf(k) !== i);
    if (dup !== undefined) {
      throw new CowloopError(ErrorCodes.ERR_COWLOOP_IO_OUTPUT, `${this.name}.ItemList names ${JSON.stringify(dup)} twice`);
    }
    this.#output = path.resolve(this.resolveOutput(this.props.Output));
    this.#format = recordFormatOf(this.#output, this.props.Format);
    this.#committed = false;
    removeStalePartials(this.#output);
    const partial = partialPathOf(this.#output);
    trackPartial(partial);
    try {
      this.#writer = this.#open(partial);
    } catch (error) {
      discardPartial(partial);
      throw error;
    }
    this.#partial = partial;
  }

  execute(ctx: EventContext): void {
    const writer = this.#requireWriter();
    const items = this.props.ItemList;
    const values = new Array<unknown>(items.length);
    for (let i = 0; i < items.length; i++) values[i] = ctx.store.get(items[i]);
    writer.write(ctx.number, values);
  }

  /** Closes the output; in the master or a serial run, renames the finished file into place. */
  override finalize(): void {
    const partial = this.#partial;
    if (partial === null) {
      this.ioFinalize(); // a worker's file, or nothing left to do
      return;
    }
    this.#partial = null;
    try {
      this.#writer?.close(true);
      commitPartial(partial, this.#output);
    } catch (error) {
      discardPartial(partial);
      throw new CowloopError(
        ErrorCodes.ERR_COWLOOP_IO_OUTPUT,
        `cannot finish ${this.#output}, which is left as it was: ${(error as Error).message}`,
        { cause: error },
      );
    }
    this.#committed = true;
  }

  /** The merged (or serial) output file, absolute. */
  get outputPath(): string {
    return this.#output;
  }

  /** The file this process writes now: the partial file of the output, or its per-worker copy. */
  get currentPath(): string {
    return this.#writer?.path ?? this.#output;
  }

  /** Files written (the application's run summary lists them): Output once in place, or a worker's file. */
  outputFiles(): string[] {
    if (this.#committed) return [this.#output];
    return this.#workerIndex !== null && this.#writer ? [this.#writer.path] : [];
  }

  /** Where worker `workerDir` writes this stream. */
  workerOutputPath(workerDir: string): string {
    return path.join(workerDir, path.basename(this.#output));
  }

  // ---- IoComponent ----

  ioReinit(ctx: IoReinitContext): void {
    // The inherited descriptor and partial file belong to the master: drop them untouched.
    this.#writer?.abandon();
    this.#partial = null;
    this.#workerIndex = ctx.workerIndex;
    this.#writer = this.#open(this.workerOutputPath(ctx.workerDir));
  }

  ioFinalize(): void {
    this.#writer?.close(this.#partial !== null);
  }

  ioFlush(): void {
    this.#writer?.flush();
  }

  ioMerge(ctx: IoMergeContext): void {
    this.mergeWorkerOutputs(ctx.workerDirs, { allowMissing: true });
  }

  /**
   * The run ended early: Output is left as it was. The events this process wrote are moved
   * under keepDir when one is given (the run's worker directory), else deleted.
   */
  ioAbandon(ctx: IoAbandonContext): void {
    const partial = this.#partial;
    if (partial === null) return;
    this.#partial = null;
    try {
      if (ctx.keepDir !== undefined) this.#writer?.close();
      else this.#writer?.abandon();
    } finally {
      if (ctx.keepDir !== undefined && fs.existsSync(partial)) {
        fs.mkdirSync(ctx.keepDir, { recursive: true });
        fs.renameSync(partial, path.join(ctx.keepDir, path.basename(this.#output)));
      }
      discardPartial(partial);
    }
  }

  /**
   * In the master after the workers ended: merges what the master itself wrote (events run
   * before forking) and each worker's file into Output, in event order, deduplicated.
   */
  mergeWorkerOutputs(workerDirs: readonly string[], options: Omit<RecordMergeOptions, 'format'> = {}): MergeStats {
    if (this.#workerIndex !== null) {
      throw new CowloopError(ErrorCodes.ERR_COWLOOP_IO_MERGE, `${this.name}: mergeWorkerOutputs runs in the master, not in worker ${this.#workerIndex}`);
    }
    this.#writer?.close();
    const own = this.#partial;
    const inputs = [...(own !== null ? [own] : []), ...workerDirs.map((d) => this.workerOutputPath(d))];
    let stats: MergeStats;
    try {
      stats = mergeRecordFiles(inputs, this.#output, { ...options, format: this.#format });
    } catch (error) {
      throw this.#mergeFailed(error, workerDirs);
    }
    this.#committed = true;
    if (own !== null) {
      this.#partial = null;
      discardPartial(own); // merged into Output
    }
    return stats;
  }

  /**
   * A failed merge (a full disk, say) leaves Output as it was. The master's own events (its
   * partial file) go beside the workers' files (<worker dir>/../master/), and the error says
   * how to finish the merge later.
   */
  #mergeFailed(error: unknown, workerDirs: readonly string[]): CowloopError {
    const message = (error as Error)?.message ?? String(error);
    if (workerDirs.length === 0) return new CowloopError(ErrorCodes.ERR_COWLOOP_IO_MERGE, message, { cause: error });
    const own = path.join(path.dirname(path.resolve(workerDirs[0]!)), 'master', path.basename(this.#output));
    const inputs = workerDirs.map((d) => this.workerOutputPath(d)).filter((f) => fs.existsSync(f));
    const partial = this.#partial;
    try {
      if (partial !== null && fs.existsSync(partial)) {
        fs.mkdirSync(path.dirname(own), { recursive: true });
        fs.renameSync(partial, own);
      }
      if (partial !== null) discardPartial(partial);
      this.#partial = null;
      if (fs.existsSync(own)) inputs.unshift(own);
    } catch {
      if (partial !== null) {
        untrackPartial(partial); // could not move it: it stays an input where it is
        inputs.unshift(partial);
      }
    }
    const quote = (f: string): string => (/^[\w@%+=:,./-]+$/.test(f) ? f : `'${f.replace(/'/g, `'\\''`)}'`);
    return new CowloopError(
      ErrorCodes.ERR_COWLOOP_IO_MERGE,
      `${message}\n    nothing was written to ${this.#output}; every part is kept. To finish the merge once there is room:\n` +
        `    cowloop merge ${inputs.map(quote).join(' ')} -o ${quote(this.#output)}`,
      { cause: error },
    );
  }

  #open(file: string): RecordWriter {
    return new RecordWriter(file, this.#format, this.props.ItemList, { bufferBytes: this.props.BufferBytes });
  }

  #requireWriter(): RecordWriter {
    if (!this.#writer) {
      throw new CowloopError(ErrorCodes.ERR_COWLOOP_IO_OUTPUT, `${this.name}: the output is not open (initialize the application first)`);
    }
    return this.#writer;
  }
}
