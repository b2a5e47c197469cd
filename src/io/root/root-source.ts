// The events of a list of ROOT files: one TTree per file, chained, event numbers running on
// from file to file. jsroot reads asynchronously, so read(n) gives the record at once when
// the block holding n was read already, and a promise when a block must be read first.
//
// A block runs from the entry asked for to the end of the basket that holds it (of the
// branch read with the largest baskets): reading any entry of a basket costs inflating the
// whole basket (in the HZZ file, 64 entries cost 58 ms and all 2,421 cost 80 ms), so each
// basket is inflated once, and entries before the one asked for (another worker's) are not
// built. A round-robin worker (reads n, n + stride, ...) asks jsroot for its entries only.
import { CowloopError, ErrorCodes } from '../../errors.js';
import type { RecordData } from '../readers/record-file.js';
import type { InputFileRange, InputRecord } from '../readers/record-source.js';
import { BadEntries, RootFile, type RootTreeOptions } from './root-file.js';

/** Bounds a block's records when one basket holds very many entries. */
const MAX_BLOCK_ENTRIES = 1 << 16;
/** Strides up to this are read as strides; a longer step is a jump. */
const MAX_STRIDE = 64;

interface Block {
  file: number;
  records: RecordData[];
  /** Entry of records[i] is first + i * stride. */
  first: number;
  stride: number;
}

export class RootSource {
  readonly size: number;
  readonly files: readonly InputFileRange[];
  readonly #files: RootFile[];
  #block: Block | null = null;
  /** The last event asked for and the stride between the last two. */
  #lastEvent = -1;
  #stride = 1;
  /** The last entries found unreadable (a bad basket): they fail without being read again. */
  #bad: { file: number; error: BadEntries } | null = null;

  private constructor(files: RootFile[]) {
    this.#files = files;
    let first = 0;
    this.files = files.map((f) => {
      const range: InputFileRange = { path: f.path, format: 'root', first, count: f.entries };
      first += f.entries;
      return range;
    });
    this.size = first;
  }

  static async open(paths: readonly string[], options: RootTreeOptions): Promise<RootSource> {
    const files: RootFile[] = [];
    try {
      for (const p of paths) {
        // Later files must hold the branches chosen in the first.
        const branches = files.length === 0 ? options.branches : files[0].branches.map((b) => b.name);
        const treeName = files.length === 0 ? options.treeName : options.treeName || files[0].treeName;
        files.push(await RootFile.open(p, { ...options, treeName, branches }));
      }
    } catch (error) {
      for (const f of files) f.close();
      throw error;
    }
    return new RootSource(files);
  }

  /** The files' trees and branches, for the log. */
  get rootFiles(): readonly RootFile[] {
    return this.#files;
  }

  read(event: number): InputRecord | Promise<InputRecord> {
    if (!Number.isInteger(event) || event < 0 || event >= this.size) {
      throw new CowloopError(ErrorCodes.ERR_COWLOOP_IO_INPUT, `event ${event} is out of range: the inputs hold ${this.size} events (0..${this.size - 1})`);
    }
    const { file, entry } = this.#locate(event);
    const cached = this.#cached(file, entry);
    this.#follow(event);
    if (cached) return this.#record(event, file, cached);
    return this.#load(file, entry).then((data) => this.#record(event, file, data));
  }

  reopen(): void {
    this.#forget();
    for (const f of this.#files) f.reopen();
  }

  close(): void {
    this.#forget();
    for (const f of this.#files) f.close();
  }

  #forget(): void {
    this.#block = null;
    this.#bad = null;
    this.#lastEvent = -1;
  }

  #record(event: number, file: number, data: RecordData): InputRecord {
    return { event, data, file: this.files[file].path, line: event - this.files[file].first };
  }

  #locate(event: number): { file: number; entry: number } {
    let f = 0;
    while (event >= this.files[f].first + this.files[f].count) f++;
    return { file: f, entry: event - this.files[f].first };
  }

  #cached(file: number, entry: number): RecordData | undefined {
    const b = this.#block;
    if (!b || b.file !== file) return undefined;
    const i = (entry - b.first) / b.stride;
    if (!Number.isInteger(i) || i < 0 || i >= b.records.length) return undefined;
    return b.records[i];
  }

  /** Follows the step between reads: a steady small step is a stride (round-robin reads). */
  #follow(event: number): void {
    const step = event - this.#lastEvent;
    this.#stride = this.#lastEvent >= 0 && step > 0 && step <= MAX_STRIDE ? step : 1;
    this.#lastEvent = event;
  }

  async #load(file: number, entry: number): Promise<RecordData> {
    const root = this.#files[file];
    const bad = this.#bad;
    if (bad && bad.file === file && entry >= bad.error.from && entry < bad.error.until) throw this.#badRecord(entry, bad.error);
    const stride = this.#stride;
    const basketEnd = root.basketStarts.find((s) => s > entry) ?? root.entries;
    const end = Math.min(basketEnd, entry + MAX_BLOCK_ENTRIES * stride);
    const only = stride > 1 ? strided(entry, end, stride) : undefined;
    let records: RecordData[];
    try {
      records = await root.readEntries(entry, end - entry, only);
    } catch (error) {
      if (!(error instanceof BadEntries)) throw error;
      // Keep what was read before the bad entries; those up to the end of the bad basket fail
      // without being read again, and reading goes on after them.
      this.#bad = { file, error };
      this.#block = { file, records: error.good, first: entry, stride };
      if (error.good.length > 0) return error.good[0];
      throw this.#badRecord(entry, error);
    }
    this.#block = { file, records, first: entry, stride };
    return records[0];
  }

  #badRecord(entry: number, error: BadEntries): CowloopError {
    return new CowloopError(ErrorCodes.ERR_COWLOOP_IO_BAD_RECORD, BadEntries.message(error.where, error.detail, entry, error.from, error.until));
  }
}

function strided(from: number, to: number, stride: number): number[] {
  const out: number[] = [];
  for (let e = from; e < to; e += stride) out.push(e);
  return out;
}
