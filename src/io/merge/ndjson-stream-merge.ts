// The fast path of the NDJSON merge, for inputs as workers write them: every record one line
// starting {"event":N, each file's event numbers rising. Each input is read once, in large
// chunks, into one reused buffer; event numbers are read from the bytes in place, and the
// records of one input up to the next input's event number are copied out as one slice
// (a worker's chunk of events lies contiguous in its file). No index is built.
// Anything else (blank lines, an event number going down, a record that needs JSON.parse)
// makes it give up with NotInOrder: the caller then runs the general merge, which handles
// every case and reports bad records with their line numbers.
import * as fs from 'node:fs';
import type { AtomicFileWriter } from '../../util/atomic-file.js';
import { CursorHeap, type HeapCursor } from './cursor-heap.js';

/**
 * Bytes read from each input at a time: 2 MB, less when there are more than 16 inputs so
 * that the buffers stay near 32 MB in all (a record longer than its buffer grows it).
 */
const CHUNK_BYTES = 2 << 20;
const MIN_CHUNK_BYTES = 64 << 10;
const ALL_CHUNKS_BYTES = 32 << 20;
const LF = 0x0a;
const PREFIX = Buffer.from('{"event":');

/** The inputs are not in the shape this path takes; nothing it wrote is kept. */
export class NotInOrder extends Error {}

export interface StreamMergeCounts {
  records: number;
  duplicates: number;
  conflicts: number;
  truncated: number;
}

/** The last record written, kept to compare an event found again with it. */
class KeptRecord {
  bytes = Buffer.allocUnsafe(256);
  length = 0;
  key = -1;

  keep(from: Buffer, start: number, end: number, key: number): void {
    const n = end - start;
    if (n > this.bytes.length) this.bytes = Buffer.allocUnsafe(Math.max(n, 2 * this.bytes.length));
    from.copy(this.bytes, 0, start, end);
    this.length = n;
    this.key = key;
  }
}

/** One input read front to back; its current record is buffer bytes [start, end). */
class StreamCursor implements HeapCursor {
  key = -1;
  done = false;
  /** The file ended in a record with no line end (a worker killed while writing): dropped. */
  truncated = false;
  start = 0;
  end = 0;
  readonly #fd: number;
  #buf: Buffer;
  /** The valid part of #buf. */
  #view: Buffer;
  #filePos = 0;
  #eof = false;
  /** Event number found by the last #parseAt. */
  #parsed = 0;

  constructor(fd: number, chunkBytes: number) {
    this.#fd = fd;
    this.#buf = Buffer.allocUnsafe(chunkBytes);
    this.#view = this.#buf.subarray(0, 0);
    this.#moveTo(0);
  }

  /**
   * Writes the current record and those after it in the buffer whose event numbers rise
   * strictly and stay below `limit`, as one slice; moves past them. Returns how many.
   */
  writeRun(out: AtomicFileWriter, limit: number, kept: KeptRecord): number {
    const view = this.#view;
    const start = this.start;
    let lastStart = start;
    let end = this.end;
    let key = this.key;
    let n = 1;
    for (;;) {
      const next = end < view.length ? this.#parseAt(end) : -1;
      if (next < 0) {
        // The next record is not whole in the buffer: the run ends here, the cursor reads on.
        out.write(view.subarray(start, end));
        kept.keep(view, lastStart, end, key);
        this.key = key;
        this.#moveTo(end);
        return n;
      }
      const nextKey = this.#parsed;
      if (nextKey < key) throw new NotInOrder();
      if (nextKey === key || nextKey >= limit) {
        out.write(view.subarray(start, end));
        kept.keep(view, lastStart, end, key);
        this.start = end;
        this.end = next;
        this.key = nextKey;
        return n;
      }
      lastStart = end;
      end = next;
      key = nextKey;
      n++;
    }
  }

  /** Drops the current record (an event already written); true when it differs from `kept`. */
  skipDiffering(kept: KeptRecord): boolean {
    const differs = !trimmedEquals(this.#view, this.start, this.end, kept.bytes, kept.length);
    this.#moveTo(this.end);
    return differs;
  }

  /** Makes the record at buffer offset `at` current, reading on when it is not whole there. */
  #moveTo(at: number): void {
    let end = this.#parseAt(at);
    while (end < 0 && !this.#eof) {
      at = this.#readOn(at);
      end = this.#parseAt(at);
    }
    if (end < 0) {
      this.truncated = at < this.#view.length;
      this.done = true;
      return;
    }
    if (this.#parsed < this.key) throw new NotInOrder();
    this.start = at;
    this.end = end;
    this.key = this.#parsed;
  }

  /** Keeps buffer bytes from `from` on, moved to the front, and reads more after them; returns their new offset (0). */
  #readOn(from: number): number {
    const keep = this.#view.length - from;
    if (keep === this.#buf.length) {
      const bigger = Buffer.allocUnsafe(2 * this.#buf.length);
      this.#buf.copy(bigger, 0, from, from + keep);
      this.#buf = bigger;
    } else if (keep > 0) {
      this.#buf.copyWithin(0, from, from + keep);
    }
    const n = fs.readSync(this.#fd, this.#buf, keep, this.#buf.length - keep, this.#filePos);
    if (n === 0) this.#eof = true;
    this.#filePos += n;
    this.#view = this.#buf.subarray(0, keep + n);
    return 0;
  }

  /**
   * The end (after its line feed) of the record at `at`, its event number in #parsed; -1 when
   * the buffer holds no line end after `at`. Throws NotInOrder for a record not of the form
   * {"event":N followed by , } or a line end: the general merge decides about those.
   */
  #parseAt(at: number): number {
    const view = this.#view;
    const lf = view.indexOf(LF, at);
    if (lf < 0) return -1;
    let i = at + PREFIX.length;
    if (i >= lf) throw new NotInOrder();
    for (let p = 0; p < PREFIX.length; p++) if (view[at + p] !== PREFIX[p]) throw new NotInOrder();
    let value = 0;
    for (; i < lf; i++) {
      const c = view[i];
      if (c < 0x30 || c > 0x39) break;
      value = value * 10 + (c - 0x30);
    }
    const after = view[i];
    if (i === at + PREFIX.length || !(after === 0x2c || after === 0x7d || after === LF || after === 0x0d) || !Number.isInteger(value)) {
      throw new NotInOrder();
    }
    this.#parsed = value;
    return lf + 1;
  }
}

/** Equal up to trailing line ends, as the general merge compares an event found twice. */
function trimmedEquals(a: Buffer, aStart: number, aEnd: number, b: Buffer, bLength: number): boolean {
  while (aEnd > aStart && (a[aEnd - 1] === 0x0a || a[aEnd - 1] === 0x0d)) aEnd--;
  while (bLength > 0 && (b[bLength - 1] === 0x0a || b[bLength - 1] === 0x0d)) bLength--;
  return a.subarray(aStart, aEnd).equals(b.subarray(0, bLength));
}

/**
 * Merges the open NDJSON inputs `fds` (in input order) into `out`, or throws NotInOrder.
 * The result is the bytes the general merge writes for the same inputs.
 */
export function mergeInOrderNdjson(fds: readonly number[], out: AtomicFileWriter): StreamMergeCounts {
  const counts: StreamMergeCounts = { records: 0, duplicates: 0, conflicts: 0, truncated: 0 };
  const chunkBytes = Math.max(MIN_CHUNK_BYTES, Math.min(CHUNK_BYTES, Math.floor(ALL_CHUNKS_BYTES / Math.max(1, fds.length))));
  const cursors = fds.map((fd) => new StreamCursor(fd, chunkBytes));
  const heap = new CursorHeap<StreamCursor>();
  cursors.forEach((c, rank) => {
    if (!c.done) heap.push(c, rank);
  });
  const kept = new KeptRecord();
  while (heap.size > 0) {
    const c = heap.top();
    if (c.key === kept.key) {
      counts.duplicates++;
      if (c.skipDiffering(kept)) counts.conflicts++;
    } else {
      counts.records += c.writeRun(out, heap.nextKey(), kept);
    }
    heap.fix();
  }
  for (const c of cursors) if (c.truncated) counts.truncated++;
  return counts;
}
