// A byte-offset index of the records of an NDJSON or CSV file, built in one pass.
// The master builds it once before forking; the workers inherit it through copy-on-write
// and seek straight to any event with a positioned read. Offsets live in typed arrays:
// their storage is outside the V8 heap, so the garbage collector never moves (and so never
// unshares) those pages.
import * as fs from 'node:fs';
import { CowloopError, ErrorCodes } from '../errors.js';
import { findCsvRecords } from './csv-records.js';
import type { RecordFormat } from './format.js';
import { readBytes } from './read-bytes.js';

export { readBytes };

const LF = 0x0a;
const CR = 0x0d;
const CHUNK_BYTES = 1 << 20;

export interface RecordIndex {
  readonly file: string;
  readonly format: RecordFormat;
  /** Number of data records (a CSV header is not one). */
  readonly count: number;
  /**
   * Byte offset where each record starts; `count + 1` entries, the last being the end of the
   * last record (after its newline). Record k occupies `[starts[k], starts[k + 1])`, blank
   * lines that follow it included.
   */
  readonly starts: Float64Array;
  /** 1-based line number where each record starts. */
  readonly lines: Float64Array;
  /** CSV only: the raw header record (with its line end) and the byte where data starts. */
  readonly header: Buffer | null;
  /** True when the last record has no line end (a file cut short, or written by hand). */
  readonly unterminatedTail: boolean;
  /** File size when indexed. */
  readonly size: number;
}

class GrowableOffsets {
  starts = new Float64Array(1024);
  lines = new Float64Array(1024);
  length = 0;

  push(offset: number, line: number): void {
    if (this.length === this.starts.length) {
      const starts = new Float64Array(this.starts.length * 2);
      starts.set(this.starts);
      this.starts = starts;
      const lines = new Float64Array(this.lines.length * 2);
      lines.set(this.lines);
      this.lines = lines;
    }
    this.starts[this.length] = offset;
    this.lines[this.length] = line;
    this.length++;
  }
}

/**
 * Finds record boundaries. NDJSON: a record ends at a line feed. CSV: where csv-parse ends
 * it (a line end outside quotes). Empty lines separate nothing and are not records.
 */
export function buildRecordIndex(file: string, format: RecordFormat, fd?: number): RecordIndex {
  const ownFd = fd === undefined;
  let handle: number;
  try {
    handle = ownFd ? fs.openSync(file, 'r') : fd;
  } catch (error) {
    throw new CowloopError(
      ErrorCodes.ERR_COWLOOP_IO_INPUT,
      `cannot open ${file}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  try {
    return scan(file, format, handle);
  } finally {
    if (ownFd) fs.closeSync(handle);
  }
}

function scan(file: string, format: RecordFormat, fd: number): RecordIndex {
  const size = fs.fstatSync(fd).size;
  const found = new GrowableOffsets();
  const { end: lastEnd, unterminated: unterminatedTail } = format === 'csv'
    ? findCsvRecords(fd, size, (offset, line) => found.push(offset, line))
    : findLines(fd, size, found);
  let first = 0;
  let header: Buffer | null = null;
  if (format === 'csv' && found.length > 0) {
    const headerEnd = found.length > 1 ? found.starts[1] : lastEnd;
    header = readBytes(fd, found.starts[0], headerEnd - found.starts[0]);
    first = 1;
  }
  const count = Math.max(0, found.length - first);
  const starts = new Float64Array(count + 1);
  starts.set(found.starts.subarray(first, found.length));
  starts[count] = count > 0 ? lastEnd : (header ? found.starts[0] + header.length : 0);
  const lines = new Float64Array(count);
  lines.set(found.lines.subarray(first, found.length));
  return { file, format, count, starts, lines, header, unterminatedTail, size };
}

/** NDJSON: one record per line, found with indexOf('\n'); CRLF is a line end too. */
function findLines(fd: number, size: number, found: GrowableOffsets): { end: number; unterminated: boolean } {
  const buf = Buffer.allocUnsafe(CHUNK_BYTES);
  let base = 0; // file offset of buf[0]
  let line = 1;
  let inRecord = false;
  let lastEnd = 0;
  while (base < size) {
    const n = fs.readSync(fd, buf, 0, Math.min(CHUNK_BYTES, size - base), base);
    if (n <= 0) break;
    const atEof = base + n >= size;
    let i = 0;
    while (i < n) {
      if (!inRecord) {
        const b = buf[i];
        if (b === LF) {
          line++;
          i++;
          continue;
        }
        if (b === CR) {
          if (i + 1 < n) {
            if (buf[i + 1] === LF) {
              line++;
              i += 2;
              continue;
            }
          } else if (!atEof) {
            break; // decide on the next chunk, which starts at this CR
          }
        }
        found.push(base + i, line);
        inRecord = true;
      }
      const j = buf.indexOf(LF, i);
      if (j === -1 || j >= n) {
        i = n;
      } else {
        line++;
        i = j + 1;
        inRecord = false;
        lastEnd = base + i;
      }
    }
    base += i;
  }
  return { end: inRecord ? size : lastEnd, unterminated: inRecord };
}
