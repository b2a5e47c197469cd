// Saying why a worker died, for the master's log.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The cause of a worker's death in words; `crashedDir` is where its files (and log) are set aside. */
export function describeCrash(error: Error & { signal?: string | null }, workerDir: string, crashedDir: string): string {
  if (ranOutOfHeap(error.signal ?? undefined, path.join(workerDir, 'worker.log'))) {
    return `ran out of JavaScript heap (see ${path.join(crashedDir, 'worker.log')}; node's --max-old-space-size sets the limit)`;
  }
  return error.message.replace(/^child \d+ /, '');
}

/**
 * V8 aborts a process whose heap is full (SIGABRT) after writing "JavaScript heap out of
 * memory" to stderr, which is the worker's log: both together mean the worker ran out of heap.
 */
function ranOutOfHeap(signal: string | undefined, logFile: string): boolean {
  if (signal !== 'SIGABRT' && signal !== 'SIGIOT') return false;
  try {
    const fd = fs.openSync(logFile, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const tail = Buffer.alloc(Math.min(size, 64 * 1024));
      fs.readSync(fd, tail, 0, tail.length, size - tail.length);
      return tail.toString('utf8').includes('JavaScript heap out of memory');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
}
