// k-way merge of per-worker NDJSON or CSV files by event number. Records are copied as raw
// bytes (never parsed and re-printed), so the result is byte-identical to the file one
// serial writer makes. An event found twice (re-run after a worker crash) is kept once.
// NDJSON inputs as workers write them take a streamed path (ndjson-stream-merge.ts); any
// other input, or one that path gives up on, is merged through a byte-offset index of each.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CowloopError, ErrorCodes } from '../../errors.js';
import { recordFormatOf, type RecordFormat } from '../format.js';
import { buildRecordIndex, readBytes, type RecordIndex } from '../record-index.js';
import { writeAtomically } from '../../util/atomic-file.js';
import { CursorHeap } from './cursor-heap.js';
import { mergeInOrderNdjson, NotInOrder } from './ndjson-stream-merge.js';

export interface RecordMergeOptions {
  /** "auto" (by the output's extension), "ndjson" or "csv". */
  format?: string;
  /** Inputs that do not exist are skipped instead of failing the merge. */
  allowMissing?: boolean;
  /** Delete the inputs after the merged file is in place (never on failure). */
  removeInputs?: boolean;
}

export interface MergeStats {
  output: string;
  inputs: string[];
  /** Records written. */
  records: number;
  /** Records dropped because their event number was already written. */
  duplicates: number;
  /** Of those, how many differed from the copy kept (a sign of non-deterministic processing). */
  conflicts: number;
  /** Inputs whose last record had no line end (a worker killed while writing): that record is dropped. */
  truncated: number;
  /** Inputs that did not exist (with allowMissing). */
  missing: string[];
  /**
   * Records only: "streamed" when every input was NDJSON in event order (each read once, no
   * index), "indexed" otherwise (an index of each input first: slower, takes any order).
   */
  method?: 'streamed' | 'indexed';
}

const READ_BYTES = 1 << 20;
/** Records copied in one run at most (a run's bytes must fit the read buffer comfortably). */
const RUN_RECORDS = 4096;
const NDJSON_PREFIX = Buffer.from('{"event":');

/** Reads the records of one input in event order, from a byte-offset index. */
class Cursor {
  readonly file: string;
  readonly index: RecordIndex;
  readonly keys: Float64Array;
  readonly order: Uint32Array | null;
  readonly count: number;
  pos = 0;
  #fd: number;
  #buf: Buffer = Buffer.alloc(0);
  #bufStart = 0;

  constructor(file: string, fd: number, index: RecordIndex, format: RecordFormat) {
    this.file = file;
    this.#fd = fd;
    this.index = index;
    this.count = Math.max(0, index.unterminatedTail ? index.count - 1 : index.count);
    this.keys = new Float64Array(this.count);
    let sorted = true;
    for (let k = 0; k < this.count; k++) {
      this.keys[k] = this.#eventOf(k, format);
      if (k > 0 && this.keys[k] < this.keys[k - 1]) sorted = false;
    }
    this.order = sorted ? null : stableOrder(this.keys);
  }

  get done(): boolean {
    return this.pos >= this.count;
  }

  get key(): number {
    return this.keys[this.#record(this.pos)];
  }

  /** The bytes of the current record (valid until the next call). */
  bytes(): Buffer {
    return this.#slice(this.#record(this.pos));
  }

  /** The bytes of record k in file order (valid until the next call). */
  recordBytes(k: number): Buffer {
    return this.#slice(k);
  }

  /** Record k of the file: the record at `pos` in event order. */
  recordAt(pos: number): number {
    return this.#record(pos);
  }

  /**
   * From the current position, how many records (at most `max`) follow one another in the
   * file with event numbers rising and below `limit`: they can be copied as one run of bytes.
   */
  runBelow(limit: number, max: number): number {
    if (this.order) return 0; // out of file order: one record at a time
    const keys = this.keys;
    let end = this.pos;
    const stop = Math.min(this.count, this.pos + max);
    while (end < stop && keys[end] < limit && (end === this.pos || keys[end] > keys[end - 1])) end++;
    return end - this.pos;
  }

  /** The bytes of `n` records from the current position, which runBelow found contiguous (valid until the next call). */
  runBytes(n: number): Buffer {
    if (n === 1 || this.order) return this.bytes();
    const { starts } = this.index;
    return this.#range(starts[this.pos], starts[this.pos + n]);
  }

  #record(pos: number): number {
    return this.order ? this.order[pos] : pos;
  }

  #slice(k: number): Buffer {
    return this.#range(this.index.starts[k], this.index.starts[k + 1]);
  }

  #range(start: number, end: number): Buffer {
    this.#ensure(start, end);
    return this.#buf.subarray(start - this.#bufStart, end - this.#bufStart);
  }

  /** Bytes [start, end) of the file are in the buffer. */
  #ensure(start: number, end: number): void {
    if (start < this.#bufStart || end > this.#bufStart + this.#buf.length) {
      const length = Math.min(Math.max(READ_BYTES, end - start), this.index.starts[this.index.count] - start);
      this.#buf = readBytes(this.#fd, start, Math.max(length, end - start));
      this.#bufStart = start;
    }
  }

  #eventOf(k: number, format: RecordFormat): number {
    const start = this.index.starts[k];
    const end = this.index.starts[k + 1];
    this.#ensure(start, end);
    const buf = this.#buf;
    const from = start - this.#bufStart;
    let event: number;
    if (format === 'ndjson') {
      // The common case read in place, without a slice per record: {"event":N, ...
      event = hasPrefixAt(buf, from, end - this.#bufStart, NDJSON_PREFIX) ? leadingInteger(buf, from + NDJSON_PREFIX.length, end - this.#bufStart) : NaN;
      if (Number.isNaN(event)) {
        const bytes = this.#slice(k);
        try {
          event = (JSON.parse(bytes.toString('utf8')) as { event?: unknown }).event as number;
        } catch (error) {
          throw this.#bad(k, `is not valid JSON (${(error as Error).message})`);
        }
      }
    } else {
      event = leadingInteger(buf, from, end - this.#bufStart);
    }
    if (!Number.isInteger(event) || event < 0) throw this.#bad(k, 'does not start with its event number');
    return event;
  }

  #bad(k: number, what: string): CowloopError {
    return new CowloopError(
      ErrorCodes.ERR_COWLOOP_IO_MERGE,
      `${this.file}:${this.index.lines[k]}: record ${what}; every record must carry "event" first, as OutputStream writes it. The inputs are kept.`,
    );
  }
}

function hasPrefixAt(bytes: Buffer, at: number, end: number, prefix: Buffer): boolean {
  if (end - at < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return false;
  return true;
}

/** The non-negative integer written at `at` (before `end`), ended by `,` `}` or a line end; NaN otherwise. */
function leadingInteger(bytes: Buffer, at: number, end = bytes.length): number {
  let value = 0;
  let i = at;
  for (; i < end; i++) {
    const c = bytes[i];
    if (c < 0x30 || c > 0x39) break;
    value = value * 10 + (c - 0x30);
  }
  if (i === at || i >= end) return NaN;
  const after = bytes[i];
  return after === 0x2c || after === 0x7d || after === 0x0a || after === 0x0d ? value : NaN;
}

function stableOrder(keys: Float64Array): Uint32Array {
  const order = Array.from({ length: keys.length }, (_, i) => i);
  order.sort((a, b) => keys[a] - keys[b] || a - b);
  return Uint32Array.from(order);
}

/** Merges NDJSON or CSV files into `output` in event order (see the file comment). */
export function mergeRecordFiles(inputs: readonly string[], output: string, options: RecordMergeOptions = {}): MergeStats {
  const format = recordFormatOf(output, options.format);
  const target = path.resolve(output);
  const stats: MergeStats = { output: target, inputs: [...inputs], records: 0, duplicates: 0, conflicts: 0, truncated: 0, missing: [] };
  const opened: { file: string; fd: number }[] = [];
  try {
    for (const input of inputs) {
      try {
        opened.push({ file: input, fd: fs.openSync(input, 'r') });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' && options.allowMissing) {
          stats.missing.push(input);
          continue;
        }
        throw new CowloopError(ErrorCodes.ERR_COWLOOP_IO_MERGE, `cannot read merge input ${input}: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
    if (format === 'ndjson' && mergeInOrder(opened, target, stats)) {
      stats.method = 'streamed';
    } else {
      mergeIndexed(opened, format, target, stats);
      stats.method = 'indexed';
    }
  } catch (error) {
    if (error instanceof CowloopError) throw error;
    throw new CowloopError(ErrorCodes.ERR_COWLOOP_IO_MERGE, `merging into ${target} failed, the inputs are kept: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    for (const { fd } of opened) fs.closeSync(fd);
  }
  if (options.removeInputs) removeInputs(inputs, target);
  return stats;
}

/** NDJSON inputs as workers write them, streamed (ndjson-stream-merge.ts); false when they are not so. */
function mergeInOrder(opened: readonly { fd: number }[], target: string, stats: MergeStats): boolean {
  try {
    writeAtomically(target, (out) => {
      Object.assign(stats, mergeInOrderNdjson(opened.map((o) => o.fd), out));
    });
    return true;
  } catch (error) {
    if (error instanceof NotInOrder) return false;
    throw error;
  }
}

/** Any inputs, through a byte-offset index of each: records sorted within an input, bad ones reported by line. */
function mergeIndexed(opened: readonly { file: string; fd: number }[], format: RecordFormat, target: string, stats: MergeStats): void {
  const cursors = opened.map(({ file, fd }) => new Cursor(file, fd, buildRecordIndex(file, format, fd), format));
  const header = commonHeader(cursors);
  for (const c of cursors) if (c.index.unterminatedTail) stats.truncated++;
  writeAtomically(target, (out) => {
    if (header) out.write(header);
    const heap = new CursorHeap<Cursor>();
    cursors.forEach((c, rank) => {
      if (!c.done) heap.push(c, rank);
    });
    let last = -1;
    // Where the record last written came from: its bytes are read again only for a duplicate.
    let lastFrom: { cursor: Cursor; k: number } | undefined;
    while (heap.size > 0) {
      const c = heap.top();
      if (c.key === last) {
        stats.duplicates++;
        const bytes = Buffer.from(c.bytes());
        if (!trimmedEquals(bytes, lastFrom!.cursor.recordBytes(lastFrom!.k))) stats.conflicts++;
        c.pos++;
      } else {
        // Every record of this input up to the next input's event number goes out as one
        // run of bytes (a worker's chunk of events lies contiguous in its file).
        const n = Math.max(1, c.runBelow(heap.nextKey(), RUN_RECORDS));
        out.write(c.runBytes(n));
        stats.records += n;
        c.pos += n;
        last = c.keys[c.recordAt(c.pos - 1)];
        lastFrom = { cursor: c, k: c.recordAt(c.pos - 1) };
      }
      heap.fix();
    }
  });
}

/** The CSV header every non-empty input shares; an error naming the first that differs. */
function commonHeader(cursors: Cursor[]): Buffer | null {
  let header: Buffer | null = null;
  let from = '';
  for (const c of cursors) {
    const h = c.index.header;
    if (!h) continue;
    if (!header) {
      header = h;
      from = c.file;
    } else if (!trimmedEquals(h, header)) {
      throw new CowloopError(
        ErrorCodes.ERR_COWLOOP_IO_MERGE,
        `CSV headers differ: ${from} has ${JSON.stringify(header.toString().trim())}, ${c.file} has ${JSON.stringify(h.toString().trim())}. The inputs are kept.`,
      );
    }
  }
  return header;
}

/** Equal up to trailing blank lines (a record's slice includes the blank lines after it). */
function trimmedEquals(a: Buffer, b: Buffer): boolean {
  return trimEnd(a).equals(trimEnd(b));
}

function trimEnd(b: Buffer): Buffer {
  let end = b.length;
  while (end > 0 && (b[end - 1] === 0x0a || b[end - 1] === 0x0d)) end--;
  return b.subarray(0, end);
}

export function removeInputs(inputs: readonly string[], keep: string): void {
  for (const input of inputs) {
    if (path.resolve(input) !== keep) fs.rmSync(input, { force: true });
  }
}
