// CSV record boundaries, found by csv-parse itself: a record ends where the parser ends it
// (a line end outside quotes), so the index and the parse of each record always agree,
// whatever quoting, embedded line ends or line-end style the file has.
import { parse } from 'csv-parse/sync';
import type { Options } from 'csv-parse/sync';
import { readBytes } from './read-bytes.js';

/**
 * Every parse of CSV bytes uses these: blank lines are not records, field counts are
 * checked by the reader (with a message naming the header), and any of the three line ends
 * ends a record. Naming them all (rather than letting csv-parse pick one from the first
 * line) makes a record parse the same alone as in the whole file.
 */
export const CSV_PARSE_OPTIONS: Readonly<Options> = Object.freeze({
  skip_empty_lines: true,
  relax_column_count: true,
  record_delimiter: ['\r\n', '\n', '\r'],
});

/**
 * Indexing is lenient about stray quotes (`a"b`, `"a"b`): the parser then still ends the
 * record at its line end, so a bad record is one record, reported with its line when it is
 * read, and the records around it keep their numbers. For valid CSV the boundaries are
 * those of a strict parse.
 */
const INDEX_OPTIONS: Readonly<Options> = Object.freeze({ ...CSV_PARSE_OPTIONS, relax_quotes: true });

const CHUNK_BYTES = 1 << 20;
const LF = 0x0a;
const CR = 0x0d;

export interface CsvBoundaries {
  /** End of the last record (after its line end). */
  end: number;
  /** The last record has no line end, or an unclosed quote runs to the end of the file. */
  unterminated: boolean;
}

/**
 * Calls `push(offset, line)` for every record of the file, the header included, in order.
 * The file is parsed in chunks of 1 MiB; a record cut by a chunk's end is parsed again at
 * the start of the next chunk (a record longer than a chunk doubles the chunk).
 */
export function findCsvRecords(fd: number, size: number, push: (offset: number, line: number) => void): CsvBoundaries {
  let base = 0; // file offset of the next chunk: the end of the last record found
  let line = 1; // line number at base
  let chunkBytes = CHUNK_BYTES;
  let end = 0;
  let unterminated = false;
  while (base < size) {
    const chunk = readBytes(fd, base, Math.min(chunkBytes, size - base));
    if (chunk.length === 0) break;
    const atEof = base + chunk.length >= size;
    const ends: number[] = [];
    let failed = false;
    try {
      parse(chunk, {
        ...INDEX_OPTIONS,
        on_record: (_record, info) => {
          ends.push(info.bytes);
          return null; // keep nothing: only where records end matters here
        },
      });
    } catch {
      failed = true; // an unclosed quote: records before it were found
    }
    let usable = ends.length;
    // Before the end of the file, a record reaching the chunk's end may be cut.
    if (!atEof) while (usable > 0 && ends[usable - 1] >= chunk.length) usable--;
    if (!atEof && usable === 0) {
      chunkBytes *= 2;
      continue;
    }
    let pos = 0;
    for (let i = 0; i < usable; i++) {
      const start = skipLineEnds(chunk, pos);
      line += countLineEnds(chunk, pos, start);
      push(base + start, line);
      line += countLineEnds(chunk, start, ends[i]);
      pos = ends[i];
    }
    if (atEof) {
      const rest = skipLineEnds(chunk, pos);
      if (failed && rest < chunk.length) {
        // The rest of the file is one record that the strict parse will reject when read.
        push(base + rest, line + countLineEnds(chunk, pos, rest));
        pos = chunk.length;
        unterminated = true;
      } else if (usable > 0) {
        const last = chunk[pos - 1];
        unterminated = last !== LF && last !== CR;
      }
      end = base + pos;
      break;
    }
    base += pos;
    chunkBytes = CHUNK_BYTES;
  }
  return { end, unterminated };
}

function skipLineEnds(buf: Buffer, from: number): number {
  let i = from;
  while (i < buf.length && (buf[i] === LF || buf[i] === CR)) i++;
  return i;
}

/** Line ends in buf[from, to): LF, CRLF and a lone CR each count once. */
function countLineEnds(buf: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const b = buf[i];
    if (b === LF || (b === CR && buf[i + 1] !== LF)) n++;
  }
  return n;
}
