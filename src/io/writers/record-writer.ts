// A synchronous NDJSON or CSV writer. Records are gathered in one string and handed to the
// kernel with one write(2) when it reaches the buffer limit, on flush() (a worker calls it
// at the end of each batch of events it claimed) and on close(): one write(2) per record
// cost tiny events more than the events. A worker leaves with _exit(), so no data may wait
// in a JavaScript buffer past ioFinalize(); records lost with a killed worker are those of
// a share its replacement runs again.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CowloopError, ErrorCodes } from '../../errors.js';
import type { RecordFormat } from '../format.js';
import { syncAndClose } from '../../util/partial-file.js';
import { csvHeader, csvRecord, ndjsonRecord } from './record-text.js';

/** What a writer gathers before a write(2) unless told otherwise. */
export const DEFAULT_BUFFER_BYTES = 65536;

export interface RecordWriterOptions {
  /** Bytes gathered before a write(2) (DEFAULT_BUFFER_BYTES); 0 writes each record at once. */
  bufferBytes?: number;
}

export class RecordWriter {
  readonly path: string;
  readonly format: RecordFormat;
  readonly names: readonly string[];
  #fd: number | null;
  /** Records not yet written, as one string (cheaper than a list to join). */
  #pending = '';
  readonly #bufferBytes: number;
  #records = 0;

  constructor(file: string, format: RecordFormat, names: readonly string[], options: RecordWriterOptions = {}) {
    this.path = file;
    this.format = format;
    this.names = [...names];
    this.#bufferBytes = options.bufferBytes ?? DEFAULT_BUFFER_BYTES;
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      this.#fd = fs.openSync(file, 'w');
    } catch (error) {
      throw new CowloopError(
        ErrorCodes.ERR_COWLOOP_IO_OUTPUT,
        `cannot create output ${file}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    if (format === 'csv') this.#append(csvHeader(this.names));
  }

  get records(): number {
    return this.#records;
  }

  /** Writes one record; `values[i]` belongs to `names[i]`. */
  write(event: number, values: readonly unknown[]): void {
    const text = this.format === 'ndjson' ? ndjsonRecord(event, this.names, values) : csvRecord(event, values);
    this.#records++;
    this.#append(text);
  }

  #append(text: string): void {
    // Length in UTF-16 units: the limit is approximate for text beyond ASCII, which is enough.
    this.#pending += text;
    if (this.#pending.length >= this.#bufferBytes) this.flush();
  }

  /** Hands everything buffered to the kernel. */
  flush(): void {
    if (this.#pending.length === 0) return;
    const fd = this.#handle();
    const data = Buffer.from(this.#pending, 'utf8');
    this.#pending = '';
    let done = 0;
    try {
      while (done < data.length) done += fs.writeSync(fd, data, done, data.length - done);
    } catch (error) {
      throw new CowloopError(
        ErrorCodes.ERR_COWLOOP_IO_OUTPUT,
        `cannot write to ${this.path}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  /** Writes what is buffered and closes; `sync`: also flush the file to disk first (before a rename into place). */
  close(sync = false): void {
    if (this.#fd === null) return;
    const fd = this.#fd;
    try {
      this.flush();
    } finally {
      this.#fd = null;
      if (sync) syncAndClose(fd);
      else fs.closeSync(fd);
    }
  }

  /** Drops the descriptor without writing (a forked child must not write to the parent's file). */
  abandon(): void {
    if (this.#fd === null) return;
    this.#pending = '';
    fs.closeSync(this.#fd);
    this.#fd = null;
  }

  #handle(): number {
    if (this.#fd === null) {
      throw new CowloopError(ErrorCodes.ERR_COWLOOP_IO_OUTPUT, `${this.path} is already closed`);
    }
    return this.#fd;
  }
}
