// A reader that goes away (`cowloop run job.opts | head`, a closed terminal) must not fail
// a job that may have run for hours: its results are the output files, not the log. Once
// standard output or error is a broken pipe (EPIPE), lines for it are dropped and the job
// goes on; its exit code still tells how it ended.
import { writeAllSync } from '../util/write-all-sync.js';

const closed = new Set<number>();

function isBrokenPipe(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';
}

/** Writes a line to fd synchronously; nothing (and no error) once fd's reader is gone. */
export function writeLineSync(fd: number, line: string): void {
  if (closed.has(fd)) return;
  try {
    writeAllSync(fd, `${line}\n`);
  } catch (error) {
    if (!isBrokenPipe(error)) throw error;
    closed.add(fd);
  }
}

/** process.stdout / process.stderr: a broken pipe is remembered, not thrown as an uncaught 'error'. */
export function tolerateClosedOutput(): void {
  for (const [stream, fd] of [[process.stdout, 1], [process.stderr, 2]] as const) {
    stream.on('error', (error: Error) => {
      if (!isBrokenPipe(error)) throw error;
      closed.add(fd);
    });
  }
}
