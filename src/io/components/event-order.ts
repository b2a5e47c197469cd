// EventOrderFile: the record of which process ran each event (MpEventLoopMgr.EventOrder),
// one NDJSON line per event: {"event":n,"worker":i,"pid":p,"ok":true}. It is an output like
// the others: each process writes its own part, the master its events before forking in
// <run dir>/master/<name>, each worker in <workerDir>/<name>; at the end the master merges
// the parts into the destination in event order (written under a partial name and renamed
// when whole, src/util/atomic-file.ts), or, when the run ended early, leaves them in the
// run's directory. The master's part is not beside the destination: a master killed by
// SIGKILL leaves it in its run's directory with the workers' parts, not among the outputs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { IoAbandonContext, IoComponent, IoMergeContext, IoReinitContext } from '../../framework/io-component.js';
import { mergeRecordFiles } from '../merge/record-merge.js';

/** The worker index the master's own events are recorded under. */
export const MASTER_WORKER = -1;

export class EventOrderFile implements IoComponent {
  readonly name = 'EventOrder';
  readonly #destination: string;
  #fd: number | undefined;
  /** The master's part, until it is merged or the run is abandoned. */
  #own: string | undefined;

  /** `destination`: the merged file, absolute; `masterDir`: where the master writes its part (it exists). */
  constructor(destination: string, masterDir: string) {
    this.#destination = destination;
    const own = path.join(masterDir, path.basename(destination));
    this.#fd = fs.openSync(own, 'w');
    this.#own = own;
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
    // The inherited descriptor is the master's part: drop it untouched.
    this.#close();
    this.#own = undefined;
    this.#fd = fs.openSync(path.join(ctx.workerDir, this.fileName), 'w');
  }

  ioFinalize(): void {
    this.#close();
  }

  /** The master's events and every worker's, into the destination. */
  ioMerge(ctx: IoMergeContext): void {
    this.#close();
    const inputs = [...(this.#own !== undefined ? [this.#own] : []), ...ctx.workerDirs.map((d) => path.join(d, this.fileName))];
    mergeRecordFiles(inputs, this.#destination, { format: 'ndjson', allowMissing: true });
  }

  /** The destination stays as it was; the master's part goes to keepDir (or is dropped without one). */
  ioAbandon(ctx: IoAbandonContext): void {
    this.#close();
    const own = this.#own;
    if (own === undefined) return;
    this.#own = undefined;
    if (ctx.keepDir === undefined) {
      fs.rmSync(own, { force: true });
      return;
    }
    const kept = path.join(ctx.keepDir, this.fileName);
    if (path.resolve(kept) === path.resolve(own)) return;
    fs.mkdirSync(ctx.keepDir, { recursive: true });
    fs.renameSync(own, kept);
  }

  #close(): void {
    if (this.#fd === undefined) return;
    const fd = this.#fd;
    this.#fd = undefined;
    fs.closeSync(fd);
  }
}
