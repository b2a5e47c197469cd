// Writes a file under a partial name in its destination directory (src/util/partial-file.ts)
// and renames it into place only when complete: readers see the old file or the whole new
// one, never a part.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CowloopError, ErrorCodes } from '../errors.js';
import { commitPartial, discardPartial, nextPartialPath, removeStalePartials, syncAndClose, trackPartial } from './partial-file.js';

const BUFFER_BYTES = 1 << 20;

/** A buffered, synchronous writer to a temporary file. */
export class AtomicFileWriter {
  readonly destination: string;
  readonly temporary: string;
  #fd: number | null;
  #buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  #used = 0;

  constructor(destination: string) {
    this.destination = path.resolve(destination);
    const dir = path.dirname(this.destination);
    this.temporary = nextPartialPath(this.destination);
    try {
      fs.mkdirSync(dir, { recursive: true });
      removeStalePartials(this.destination);
      this.#fd = fs.openSync(this.temporary, 'wx');
      trackPartial(this.temporary);
    } catch (error) {
      throw new CowloopError(ErrorCodes.ERR_COWLOOP_IO_MERGE, `cannot create ${this.temporary}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  write(bytes: Uint8Array): void {
    if (bytes.length > BUFFER_BYTES - this.#used) {
      this.#drain();
      if (bytes.length > BUFFER_BYTES) {
        this.#writeAll(bytes);
        return;
      }
    }
    this.#buffer.set(bytes, this.#used);
    this.#used += bytes.length;
  }

  /** Flushes, syncs and renames over the destination. */
  commit(): void {
    this.#drain();
    const fd = this.#open();
    this.#fd = null;
    syncAndClose(fd);
    commitPartial(this.temporary, this.destination);
  }

  /** Removes the temporary file; the destination is left as it was. */
  abort(): void {
    if (this.#fd !== null) {
      fs.closeSync(this.#fd);
      this.#fd = null;
    }
    discardPartial(this.temporary);
  }

  #drain(): void {
    if (this.#used === 0) return;
    this.#writeAll(this.#buffer.subarray(0, this.#used));
    this.#used = 0;
  }

  #writeAll(bytes: Uint8Array): void {
    const fd = this.#open();
    let done = 0;
    while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done);
  }

  #open(): number {
    if (this.#fd === null) throw new CowloopError(ErrorCodes.ERR_COWLOOP_IO_MERGE, `${this.temporary} is already closed`);
    return this.#fd;
  }
}

/** Runs `fill` against a temporary file and renames it over `destination` when it returns. */
export function writeAtomically(destination: string, fill: (out: AtomicFileWriter) => void): void {
  const out = new AtomicFileWriter(destination);
  try {
    fill(out);
    out.commit();
  } catch (error) {
    out.abort();
    throw error;
  }
}
