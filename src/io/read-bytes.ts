// A positioned read of a byte range (never the descriptor's shared offset).
import * as fs from 'node:fs';

/** Bytes [position, position + length) of the file into `into` from its start; returns how many (fewer if the file ends first). */
export function readInto(fd: number, into: Buffer, position: number, length: number): number {
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, into, done, length - done, position + done);
    if (n <= 0) break;
    done += n;
  }
  return done;
}

/** Bytes [position, position + length) of the file; fewer if the file ends first. */
export function readBytes(fd: number, position: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  const done = readInto(fd, out, position, length);
  return done === length ? out : out.subarray(0, done);
}

/**
 * A buffer read into again and again, grown when a read needs more. For reads whose bytes
 * are decoded before the next read: a new buffer per read outlives the young generation's
 * collections while its records are parsed, and its memory, outside V8's heap, then waits
 * for a full collection, which a forked worker may not run for a long time.
 */
export class ReadBuffer {
  #buffer = Buffer.alloc(0);

  /** Bytes [position, position + length) of the file, valid until the next read(); fewer if the file ends first. */
  read(fd: number, position: number, length: number): Buffer {
    // allocUnsafeSlow: a buffer of its own, never a slice of Node's shared pool.
    if (this.#buffer.length < length) this.#buffer = Buffer.allocUnsafeSlow(Math.max(length, 2 * this.#buffer.length));
    return this.#buffer.subarray(0, readInto(fd, this.#buffer, position, length));
  }

  /** Lets the memory go. */
  release(): void {
    this.#buffer = Buffer.alloc(0);
  }
}
