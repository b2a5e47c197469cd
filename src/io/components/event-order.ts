// EventOrderFile: the record of which process ran each event (MpEventLoopMgr.EventOrder),
// one NDJSON line per event: {"event":n,"worker":i,"pid":p,"ok":true}. It is an output like
// the others: each process writes its own part, the master its events before forking in
// <run dir>/master/<name>, each worker in <workerDir>/<name>; at the end the master merges
// the parts into the destination in event order (written under a partial name and renamed
// when whole, src/util/atomic-file.ts), or, when the run ended early, leaves them in the
// run's directory. The master's part is not beside the destination: a master killed by
// SIGKILL leaves it in its run's directory with the workers' parts, not among the outputs.
// Lines are gathered and written in blocks: one write(2) per event cost tiny events more
// than the events themselves. A block goes out when it is full, or with the first record
// 10 ms or more after the last write (so a slow run's file stays current), and at the end;
// a worker that dies may leave its last few lines unwritten (its files are set aside and
// its share redone).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { IoAbandonContext, IoComponent, IoMergeContext, IoReinitContext } from '../../framework/io-component.js';
import { CowloopError, ErrorCodes } from '../../errors.js';
import { mergeRecordFiles } from '../merge/record-merge.js';

/** The worker index the master's own events are recorded under. */
export const MASTER_WORKER = -1;

/** Records gathered before a write. */
const BLOCK_RECORDS = 2048;
/** A record this long after the last write is written at once, with those gathered before it. */
const BLOCK_MS = 10;

export class EventOrderFile implements IoComponent {
  readonly name = 'EventOrder';
  readonly #destination: string;
  #fd: number | undefined;
  /** The file #fd writes: the master's part or this worker's. */
  #path = '';
  /** The master's part, until it is merged or the run is abandoned. */
  #own: string | undefined;
  /**
   * Records not written yet, as numbers (event, worker, ok), not strings: nothing kept
   * between events is left for the garbage collector, and lines are made at write time.
   */
  readonly #block = new Float64Array(3 * BLOCK_RECORDS);
  #used = 0;
  #lastWrite = 0;
  #pid = process.pid;

  /** `destination`: the merged file, absolute; `masterDir`: where the master writes its part (it exists). */
  constructor(destination: string, masterDir: string) {
    this.#destination = destination;
    const own = path.join(masterDir, path.basename(destination));
    this.#fd = fs.openSync(own, 'w');
    this.#path = own;
    this.#own = own;
  }

  /** The file name each worker writes in its directory. */
  get fileName(): string {
    return path.basename(this.#destination);
  }

  record(event: number, worker: number, ok: boolean): void {
    if (this.#fd === undefined) return;
    const at = 3 * this.#used++;
    this.#block[at] = event;
    this.#block[at + 1] = worker;
    this.#block[at + 2] = ok ? 1 : 0;
    if (this.#used === BLOCK_RECORDS || performance.now() - this.#lastWrite >= BLOCK_MS) this.#flush();
  }

  #flush(): void {
    this.#lastWrite = performance.now();
    if (this.#fd === undefined || this.#used === 0) return;
    const b = this.#block;
    const pid = this.#pid;
    let text = '';
    for (let at = 0; at < 3 * this.#used; at += 3) {
      text += `{"event":${b[at]},"worker":${b[at + 1]},"pid":${pid},"ok":${b[at + 2] === 1}}\n`;
    }
    this.#used = 0;
    const data = Buffer.from(text, 'latin1'); // ASCII only
    let done = 0;
    try {
      while (done < data.length) done += fs.writeSync(this.#fd, data, done, data.length - done);
    } catch (error) {
      throw new CowloopError(ErrorCodes.ERR_COWLOOP_IO_OUTPUT, `cannot write to ${this.#path}: ${(error as Error).message}`, { cause: error });
    }
  }

  ioReinit(ctx: IoReinitContext): void {
    // The inherited descriptor is the master's part, and the lines gathered are the master's:
    // drop both untouched.
    this.#used = 0;
    this.#close();
    this.#own = undefined;
    this.#pid = process.pid;
    this.#path = path.join(ctx.workerDir, this.fileName);
    this.#fd = fs.openSync(this.#path, 'w');
  }

  ioFinalize(): void {
    this.#close();
  }

  ioFlush(): void {
    this.#flush();
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
    this.#flush();
    const fd = this.#fd;
    this.#fd = undefined;
    fs.closeSync(fd);
  }
}
