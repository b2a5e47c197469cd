// Writes a whole buffer to a descriptor synchronously. Descriptors Node has made
// non-blocking (stdio pipes, for one) answer EAGAIN when the reader is behind: wait for it
// (1 ms at a time) rather than drop or half-write the data.
import * as fs from 'node:fs';

const pause = new Int32Array(new SharedArrayBuffer(4));

export function writeAllSync(fd: number, data: Buffer | string): void {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  let offset = 0;
  while (offset < buf.length) {
    try {
      offset += fs.writeSync(fd, buf, offset, buf.length - offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}
