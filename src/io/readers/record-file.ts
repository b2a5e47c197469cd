// One indexed NDJSON or CSV input file: random access to record k by a positioned read
// (never the descriptor's shared offset), and block reads of ranges and strides.
import { isUtf8 } from 'node:buffer';
import * as fs from 'node:fs';
import { parse as parseCsv } from 'csv-parse/sync';
import { CowloopError, ErrorCodes } from '../../errors.js';
import { CSV_PARSE_OPTIONS } from '../csv-records.js';
import { openInput } from './open-input.js';
import { buildRecordIndex, type RecordIndex } from '../record-index.js';
import { ReadBuffer } from '../read-bytes.js';
import type { RecordFormat } from '../format.js';

export type RecordData = Record<string, unknown>;

/**
 * The records of a run that parsed, in order, and the error of the first one that did not
 * (the records before a bad one are still given to the caller).
 */
interface Parsed {
  data: RecordData[];
  error?: CowloopError;
}

/** Block reads start small (a seek followed by one read stays cheap) and grow to this. */
const FIRST_BLOCK_BYTES = 1 << 14;
const MAX_BLOCK_BYTES = 1 << 20;
/** Bytes read ahead by read(k), so reading events one by one in order costs one pread per block. */
const READ_AHEAD_BYTES = 1 << 16;
/**
 * CSV: read(k) parses a run of up to this many records (and bytes) from k in one csv-parse
 * call and keeps them for the next reads: a call costs far more than a small record, so
 * records read one by one in order, or with a small stride, are parsed a run at a time.
 */
const CSV_RUN_RECORDS = 64;
const CSV_RUN_BYTES = 1 << 14;

/** JSON number syntax: "007", "1." and "0x10" stay strings. */
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?$/;

export interface RecordFileOptions {
  /** CSV: fields in JSON number syntax become numbers (default true); false keeps every field a string. */
  csvNumbers?: boolean;
}

export class RecordFile {
  readonly path: string;
  readonly format: RecordFormat;
  readonly index: RecordIndex;
  /** CSV column names, from the header. */
  readonly columns: readonly string[];
  readonly #csvNumbers: boolean;
  #fd: number | null;
  /** The last block read by read(k), and its file offset. */
  #cache: Buffer | null = null;
  #cacheStart = 0;
  /**
   * The buffers blocks are read into, one for read(k)'s read-ahead and one for
   * readStrided(), reused: every record of a block is decoded before the next read. A new
   * buffer per block used to stay, private to each worker, until a full collection: about
   * 1.2 KiB per event on the reco example (docs/benchmarks.md, "Long runs").
   */
  readonly #cacheBuffer = new ReadBuffer();
  readonly #blockBuffer = new ReadBuffer();
  /** CSV: records parsed by read(k) and not handed out yet (each is given once), from `first`. */
  #run: { first: number; parsed: Parsed; given: boolean[] } | null = null;

  private constructor(path: string, format: RecordFormat, fd: number, index: RecordIndex, options: RecordFileOptions) {
    this.path = path;
    this.#csvNumbers = options.csvNumbers ?? true;
    this.format = format;
    this.#fd = fd;
    this.index = index;
    this.columns = index.header ? this.#parseHeader(index.header) : [];
  }

  /** Opens and indexes a file (one pass over it). */
  static open(path: string, format: RecordFormat, options: RecordFileOptions = {}): RecordFile {
    const fd = openInput(path);
    try {
      return new RecordFile(path, format, fd, buildRecordIndex(path, format, fd), options);
    } catch (error) {
      fs.closeSync(fd);
      throw error;
    }
  }

  get count(): number {
    return this.index.count;
  }

  /** Opens a new descriptor for the same file (after fork: nothing shared with the parent). */
  reopen(): void {
    const fd = openInput(this.path);
    const size = fs.fstatSync(fd).size;
    if (size < this.index.size) {
      fs.closeSync(fd);
      throw new CowloopError(
        ErrorCodes.ERR_COWLOOP_IO_INPUT,
        `${this.path} shrank from ${this.index.size} to ${size} bytes since it was indexed: do not rewrite inputs while a job runs`,
      );
    }
    this.close();
    this.#fd = fd;
  }

  /** Forgets read-ahead data (after reopen, nothing read before is trusted). */
  #dropCache(): void {
    this.#cache = null;
    this.#cacheStart = 0;
    this.#run = null;
    this.#cacheBuffer.release();
    this.#blockBuffer.release();
  }

  close(): void {
    this.#dropCache();
    if (this.#fd !== null) {
      fs.closeSync(this.#fd);
      this.#fd = null;
    }
  }

  /**
   * Record k (0-based within this file). Reads ahead, so calling it for k, k + 1, ... (or
   * any small stride) reads the file in blocks rather than once per record; only record k
   * is parsed.
   */
  read(k: number): RecordData {
    const { count } = this.index;
    if (!Number.isInteger(k) || k < 0 || k >= count) {
      throw new CowloopError(ErrorCodes.ERR_COWLOOP_IO_INPUT, `${this.path} has ${count} records: there is no record ${k}`);
    }
    if (this.format === 'csv') return this.#readCsv(k);
    const cache = this.#block(k, k + 1);
    const parsed = this.#parse(cache, this.#cacheStart, [k]);
    if (parsed.error) throw parsed.error;
    return parsed.data[0];
  }

  /** The read-ahead block holding records [k, end) (read from k if it does not). */
  #block(k: number, end: number): Buffer {
    const { starts, count } = this.index;
    const cache = this.#cache;
    if (cache && starts[k] >= this.#cacheStart && starts[end] <= this.#cacheStart + cache.length) return cache;
    const length = Math.max(starts[end] - starts[k], Math.min(READ_AHEAD_BYTES, starts[count] - starts[k]));
    this.#cache = this.#cacheBuffer.read(this.#handle(), starts[k], length);
    this.#cacheStart = starts[k];
    return this.#cache;
  }

  #readCsv(k: number): RecordData {
    let run = this.#run;
    const at = run ? k - run.first : -1;
    const inRun = run !== null && at >= 0 && !run.given[at] && (at < run.parsed.data.length || (at === run.parsed.data.length && run.parsed.error !== undefined));
    if (!run || !inRun) {
      const { starts, count } = this.index;
      const chosen = [k];
      for (let j = k + 1; j < count && j - k < CSV_RUN_RECORDS && starts[j + 1] - starts[k] <= CSV_RUN_BYTES; j++) chosen.push(j);
      run = { first: k, parsed: this.#parse(this.#block(k, chosen[chosen.length - 1] + 1), this.#cacheStart, chosen), given: [] };
      this.#run = run;
    }
    const i = k - run.first;
    if (i === run.parsed.data.length) throw run.parsed.error!; // k is the first bad record of the run
    run.given[i] = true; // handed out once: a caller may change it
    return run.parsed.data[i];
  }

  /**
   * Records first, first + stride, ... (at most `count` of them, and not past the end),
   * read in contiguous blocks; only the chosen records are parsed. A bad record throws
   * after every record before it was given.
   */
  *readStrided(first: number, stride: number, count: number): Generator<{ k: number; line: number; data: RecordData }> {
    const { starts, lines } = this.index;
    const total = this.index.count;
    let k = first;
    let left = count;
    let blockBytes = FIRST_BLOCK_BYTES;
    while (left > 0 && k < total) {
      // One block: as many chosen records as fit in blockBytes (at least one).
      const blockStart = starts[k];
      const chosen: number[] = [];
      let j = k;
      while (left > 0 && j < total && (chosen.length === 0 || starts[j + 1] - blockStart <= blockBytes)) {
        chosen.push(j);
        left--;
        j += stride;
      }
      const last = chosen[chosen.length - 1];
      const block = this.#blockBuffer.read(this.#handle(), blockStart, starts[last + 1] - blockStart);
      const parsed = this.#parse(block, blockStart, chosen);
      for (let i = 0; i < parsed.data.length; i++) yield { k: chosen[i], line: lines[chosen[i]], data: parsed.data[i] };
      if (parsed.error) throw parsed.error;
      k = j;
      blockBytes = Math.min(MAX_BLOCK_BYTES, blockBytes * 2);
    }
  }

  #handle(): number {
    if (this.#fd === null) {
      throw new CowloopError(ErrorCodes.ERR_COWLOOP_IO_INPUT, `${this.path} is closed: reopen() it before reading`);
    }
    return this.#fd;
  }

  #slice(block: Buffer, blockStart: number, k: number): Buffer {
    const { starts } = this.index;
    return block.subarray(starts[k] - blockStart, starts[k + 1] - blockStart);
  }

  #where(k: number): string {
    return `${this.path}:${this.index.lines[k]}`;
  }

  /** Decoding would silently turn invalid UTF-8 into U+FFFD: refuse the record instead. */
  #checkUtf8(bytes: Buffer, k: number): void {
    if (isUtf8(bytes)) return;
    const valid = firstInvalidUtf8(bytes);
    // Column of the first bad byte, counted in characters as an editor shows it.
    const column = bytes.subarray(0, valid).toString('utf8').length + 1;
    throw badRecord(`${this.#where(k)}:${column}: record ${k} is not valid UTF-8 (byte 0x${(bytes[valid] ?? 0).toString(16)} at byte ${valid} of the line)`);
  }

  #parse(block: Buffer, blockStart: number, chosen: number[]): Parsed {
    return this.format === 'ndjson' ? this.#parseNdjson(block, blockStart, chosen) : this.#parseCsv(block, blockStart, chosen);
  }

  #parseNdjson(block: Buffer, blockStart: number, chosen: number[]): Parsed {
    return this.#oneByOne(block, blockStart, chosen, (bytes, k) => this.#ndjsonRecord(bytes, k));
  }

  /** Each chosen record parsed alone, up to the first bad one: those before it, and its error. */
  #oneByOne(block: Buffer, blockStart: number, chosen: number[], parse: (bytes: Buffer, k: number) => RecordData): Parsed {
    const data: RecordData[] = [];
    try {
      for (const k of chosen) data.push(parse(this.#slice(block, blockStart, k), k));
    } catch (error) {
      return { data, error: error as CowloopError };
    }
    return { data };
  }

  #ndjsonRecord(bytes: Buffer, k: number): RecordData {
    this.#checkUtf8(bytes, k);
    const text = bytes.toString('utf8');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw badRecord(`${this.#where(k)}: record ${k} is not valid JSON: ${(error as Error).message}${this.#cutShort(k)}`, error);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw badRecord(`${this.#where(k)}: record ${k} must be a JSON object, one per line (got ${Array.isArray(value) ? 'an array' : String(value)})`);
    }
    return value as RecordData;
  }

  #cutShort(k: number): string {
    return k === this.index.count - 1 && this.index.unterminatedTail ? ' (the last line has no line end: was the file cut short?)' : '';
  }

  /**
   * One csv-parse call for the chosen records (exactly their bytes: consecutive records as
   * one run, others joined); if anything is wrong with any of them, record by record, so
   * the records before the bad one are kept and the error names its line.
   */
  #parseCsv(block: Buffer, blockStart: number, chosen: number[]): Parsed {
    const { starts } = this.index;
    const first = chosen[0];
    const last = chosen[chosen.length - 1];
    const bytes = last - first === chosen.length - 1
      ? block.subarray(starts[first] - blockStart, starts[last + 1] - blockStart)
      : Buffer.concat(chosen.map((k) => this.#slice(block, blockStart, k)));
    if (isUtf8(bytes)) {
      let rows: string[][] | null;
      try {
        rows = this.#csvRows(bytes);
      } catch {
        rows = null;
      }
      const width = this.columns.length;
      if (rows !== null && rows.length === chosen.length && rows.every((row) => row.length === width)) {
        return { data: rows.map((row) => this.#csvData(row)) };
      }
    }
    return this.#oneByOne(block, blockStart, chosen, (bytes, k) => this.#csvRecord(bytes, k));
  }

  /** One record alone, with the error that names its line. */
  #csvRecord(bytes: Buffer, k: number): RecordData {
    this.#checkUtf8(bytes, k);
    let rows: string[][];
    try {
      rows = this.#csvRows(bytes);
      if (rows.length !== 1) throw new Error(`expected one record, found ${rows.length}`);
    } catch (error) {
      throw badRecord(`${this.#where(k)}: record ${k} is not valid CSV: ${(error as Error).message}${this.#cutShort(k)}`, error);
    }
    const row = rows[0];
    const width = this.columns.length;
    if (row.length !== width) {
      throw badRecord(
        `${this.#where(k)}: record ${k} has ${row.length} field${row.length === 1 ? '' : 's'}, the header (${this.path}:1) has ${width}${this.#cutShort(k)}`,
      );
    }
    return this.#csvData(row);
  }

  #csvData(row: string[]): RecordData {
    const columns = this.columns;
    const data: RecordData = {};
    const cast = this.#csvNumbers;
    for (let c = 0; c < columns.length; c++) {
      const v = row[c] as string;
      data[columns[c]] = cast && NUMBER.test(v) ? Number(v) : v;
    }
    return data;
  }

  #csvRows(bytes: Buffer): string[][] {
    // Numbers are cast afterwards: a csv-parse cast callback costs ~10x the parse itself.
    return parseCsv(bytes, CSV_PARSE_OPTIONS) as string[][];
  }

  #parseHeader(header: Buffer): string[] {
    let rows: string[][];
    try {
      rows = parseCsv(header, CSV_PARSE_OPTIONS) as string[][];
    } catch (error) {
      throw badRecord(`${this.path}:1: the CSV header is not valid CSV: ${(error as Error).message}`, error);
    }
    const names = rows[0] ?? [];
    const seen = new Set<string>();
    for (const name of names) {
      if (seen.has(name)) throw badRecord(`${this.path}:1: the CSV header names column ${JSON.stringify(name)} twice`);
      seen.add(name);
    }
    return names;
  }
}

/** Offset of the first byte that does not start a valid UTF-8 sequence (bytes must be invalid). */
function firstInvalidUtf8(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length) {
    const c = bytes[i];
    const more = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (more < 0 || !isUtf8(bytes.subarray(i, i + more + 1))) return i;
    i += more + 1;
  }
  return bytes.length;
}

function badRecord(message: string, cause?: unknown): CowloopError {
  return new CowloopError(ErrorCodes.ERR_COWLOOP_IO_BAD_RECORD, message, cause === undefined ? undefined : { cause });
}
