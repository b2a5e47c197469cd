// EventOrderFile: the record of which process ran each event (MpEventLoopMgr.EventOrder),
// one NDJSON line per event: {"event":n,"worker":i,"pid":p,"ok":true}. It is an output like
// the others: the master writes the events it runs before forking to a partial file beside
// the destination (.<name>.partial-<pid>); each worker writes <workerDir>/<name>; at the end
// the master merges its own and the workers' files into the destination, in event order,
// or, when the run ended early, sets its partial file aside under the run's directory.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { IoAbandonContext, IoComponent, IoMergeContext, IoReinitContext } from '../io-component.js';
import { mergeRecordFiles } from '../merge/record-merge.js';
import { discardPartial, partialPathOf, removeStalePartials, trackPartial } from '../partial-file.js';

/** The worker index the master's own events are recorded under. */
export const MASTER_WORKER = -1;

export class EventOrderFile implements IoComponent {
  readonly name = 'EventOrder';
  readonly #destination: string;
  #fd: number | undefined;
  /** The master's partial file, until it is merged or set aside. */
  #partial: string | undefined;

  /** `destination`: the merged file, absolute. The master's partial file is opened at once. */
  constructor(destination: string) {
    this.#destination = destination;
    removeStalePartials(destination);
    const partial = partialPathOf(destination);
    trackPartial(partial);
    try {
      this.#fd = fs.openSync(partial, 'w');
    } catch (error) {
      discardPartial(partial);
      throw error;
    }
    this.#partial = partial;
  }

  /** The file name each worker writes in its directory. */
  get fileName(): string {
    return path.basename(this.#destination);
  }

  record(event: number, worker: number, ok: boolean): void {
    if (this.#fd === undefined) return;
    fs.writeSync(this.#fd, `{"event":${event},"worker":${worker},"pid":${process.pid},"ok":${ok}}\n`);
  }

  ioReinit(ctx: IoReinitContext): void {
    // The inherited descriptor and partial file are the master's: drop them untouched.
    this.#close();
    this.#partial = undefined;
    this.#fd = fs.openSync(path.join(ctx.workerDir, this.fileName), 'w');
  }

  ioFinalize(): void {
    this.#close();
  }

  /** The master's events and every worker's, into the destination (written whole, then renamed). */
  ioMerge(ctx: IoMergeContext): void {
    this.#close();
    const own = this.#partial;
    const inputs = [...(own !== undefined ? [own] : []), ...ctx.workerDirs.map((d) => path.join(d, this.fileName))];
    mergeRecordFiles(inputs, this.#destination, { format: 'ndjson', allowMissing: true });
    if (own !== undefined) {
      this.#partial = undefined;
      discardPartial(own); // merged
    }
  }

  /** The destination stays as it was; the master's events go under keepDir (or are dropped without one). */
  ioAbandon(ctx: IoAbandonContext): void {
    this.#close();
    const partial = this.#partial;
    if (partial === undefined) return;
    this.#partial = undefined;
    try {
      if (ctx.keepDir !== undefined && fs.existsSync(partial)) {
        fs.mkdirSync(ctx.keepDir, { recursive: true });
        fs.renameSync(partial, path.join(ctx.keepDir, this.fileName));
      }
    } finally {
      discardPartial(partial);
    }
  }

  #close(): void {
    if (this.#fd === undefined) return;
    const fd = this.#fd;
    this.#fd = undefined;
    fs.closeSync(fd);
  }
}
