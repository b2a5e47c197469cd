// k-way merge of per-worker NDJSON or CSV files by event number. Records are copied as raw
// bytes (never parsed and re-printed), so the result is byte-identical to the file one
// serial writer makes. An event found twice (re-run after a worker crash) is kept once.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CowloopError, ErrorCodes } from '../../errors.js';
import { recordFormatOf, type RecordFormat } from '../format.js';
import { buildRecordIndex, readBytes, type RecordIndex } from '../record-index.js';
import { writeAtomically } from '../../util/atomic-file.js';

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
}

const READ_BYTES = 1 << 20;
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

  close(): void {
    fs.closeSync(this.#fd);
  }

  #record(pos: number): number {
    return this.order ? this.order[pos] : pos;
  }

  #slice(k: number): Buffer {
    const start = this.index.starts[k];
    const end = this.index.starts[k + 1];
    if (start < this.#bufStart || end > this.#bufStart + this.#buf.length) {
      const length = Math.min(Math.max(READ_BYTES, end - start), this.index.starts[this.index.count] - start);
      this.#buf = readBytes(this.#fd, start, Math.max(length, end - start));
      this.#bufStart = start;
    }
    return this.#buf.subarray(start - this.#bufStart, end - this.#bufStart);
  }

  #eventOf(k: number, format: RecordFormat): number {
    const bytes = this.#slice(k);
    let event: number;
    if (format === 'ndjson') {
      event = bytes.subarray(0, NDJSON_PREFIX.length).equals(NDJSON_PREFIX) ? leadingInteger(bytes, NDJSON_PREFIX.length) : NaN;
      if (Number.isNaN(event)) {
        try {
          event = (JSON.parse(bytes.toString('utf8')) as { event?: unknown }).event as number;
        } catch (error) {
          throw this.#bad(k, `is not valid JSON (${(error as Error).message})`);
        }
      }
    } else {
      event = leadingInteger(bytes, 0);
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

/** The non-negative integer written at `at`, ended by `,` `}` or a line end; NaN otherwise. */
function leadingInteger(bytes: Buffer, at: number): number {
  let value = 0;
  let i = at;
  for (; i < bytes.length; i++) {
    const c = bytes[i];
    if (c < 0x30 || c > 0x39) break;
    value = value * 10 + (c - 0x30);
  }
  if (i === at || i >= bytes.length) return NaN;
  const end = bytes[i];
  return end === 0x2c || end === 0x7d || end === 0x0a || end === 0x0d ? value : NaN;
}

function stableOrder(keys: Float64Array): Uint32Array {
  const order = Array.from({ length: keys.length }, (_, i) => i);
  order.sort((a, b) => keys[a] - keys[b] || a - b);
  return Uint32Array.from(order);
}

/** A binary min-heap of cursors by (current event number, input position). */
class CursorHeap {
  readonly #items: { cursor: Cursor; rank: number }[] = [];

  push(cursor: Cursor, rank: number): void {
    this.#items.push({ cursor, rank });
    this.#up(this.#items.length - 1);
  }

  get size(): number {
    return this.#items.length;
  }

  top(): Cursor {
    return this.#items[0].cursor;
  }

  /** Re-places the top after its cursor advanced, or removes it when done. */
  fix(): void {
    if (this.#items[0].cursor.done) {
      const last = this.#items.pop()!;
      if (this.#items.length === 0) return;
      this.#items[0] = last;
    }
    this.#down(0);
  }

  #less(a: number, b: number): boolean {
    const x = this.#items[a];
    const y = this.#items[b];
    return x.cursor.key < y.cursor.key || (x.cursor.key === y.cursor.key && x.rank < y.rank);
  }

  #swap(a: number, b: number): void {
    const t = this.#items[a];
    this.#items[a] = this.#items[b];
    this.#items[b] = t;
  }

  #up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.#less(i, p)) return;
      this.#swap(i, p);
      i = p;
    }
  }

  #down(i: number): void {
    const n = this.#items.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.#less(l, m)) m = l;
      if (r < n && this.#less(r, m)) m = r;
      if (m === i) return;
      this.#swap(i, m);
      i = m;
    }
  }
}

/** Merges NDJSON or CSV files into `output` in event order (see the file comment). */
export function mergeRecordFiles(inputs: readonly string[], output: string, options: RecordMergeOptions = {}): MergeStats {
  const format = recordFormatOf(output, options.format);
  const target = path.resolve(output);
  const stats: MergeStats = { output: target, inputs: [...inputs], records: 0, duplicates: 0, conflicts: 0, truncated: 0, missing: [] };
  const cursors: Cursor[] = [];
  try {
    for (const input of inputs) {
      let fd: number;
      try {
        fd = fs.openSync(input, 'r');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' && options.allowMissing) {
          stats.missing.push(input);
          continue;
        }
        throw new CowloopError(ErrorCodes.ERR_COWLOOP_IO_MERGE, `cannot read merge input ${input}: ${(error as Error).message}`, {
          cause: error,
        });
      }
      try {
        cursors.push(new Cursor(input, fd, buildRecordIndex(input, format, fd), format));
      } catch (error) {
        fs.closeSync(fd);
        throw error;
      }
    }
    const header = commonHeader(cursors);
    for (const c of cursors) if (c.index.unterminatedTail) stats.truncated++;
    writeAtomically(target, (out) => {
      if (header) out.write(header);
      const heap = new CursorHeap();
      cursors.forEach((c, rank) => {
        if (!c.done) heap.push(c, rank);
      });
      let last = -1;
      let lastBytes: Buffer = Buffer.alloc(0);
      while (heap.size > 0) {
        const c = heap.top();
        const bytes = c.bytes();
        if (c.key === last) {
          stats.duplicates++;
          if (!trimmedEquals(bytes, lastBytes)) stats.conflicts++;
        } else {
          out.write(bytes);
          stats.records++;
          last = c.key;
          lastBytes = Buffer.from(bytes);
        }
        c.pos++;
        heap.fix();
      }
    });
  } catch (error) {
    if (error instanceof CowloopError) throw error;
    throw new CowloopError(ErrorCodes.ERR_COWLOOP_IO_MERGE, `merging into ${target} failed, the inputs are kept: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    for (const c of cursors) c.close();
  }
  if (options.removeInputs) removeInputs(inputs, target);
  return stats;
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
