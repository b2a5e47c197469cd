// A positioned read of a byte range (never the descriptor's shared offset).
import * as fs from 'node:fs';

/** Bytes [position, position + length) of the file; fewer if the file ends first. */
export function readBytes(fd: number, position: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, out, done, length - done, position + done);
    if (n <= 0) break;
    done += n;
  }
  return done === length ? out : out.subarray(0, done);
}
