// Reading /proc/<pid>/... files, with one error for "that process is gone".
import fs from 'node:fs';
import { CowloopError, ErrorCodes, invalidArgument } from '../errors.js';

/** Throws unless `pid` is a positive integer (the shape every pid argument must have). */
export function checkPid(pid: unknown, path = 'pid'): number {
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) {
    throw invalidArgument(path, 'a positive integer process id', pid);
  }
  return pid;
}

export function noSuchProcess(pid: number, cause?: unknown): CowloopError {
  return new CowloopError(
    ErrorCodes.ERR_COWLOOP_NO_SUCH_PROCESS,
    `no process with pid ${pid} (it has exited, or /proc/${pid} is not visible to this user); ` +
      `check the pid with "ps -p ${pid}"`,
    cause === undefined ? undefined : { cause },
  );
}

function isGone(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  // ENOENT: no such pid. ESRCH: it exited while the file was open (zombie or reaped).
  return code === 'ENOENT' || code === 'ESRCH';
}

/**
 * Reads /proc/<pid>/<name> synchronously. Synchronous on purpose: these files are made by
 * the kernel on read (no disk wait), and a pending thread-pool request at a fork point
 * would never complete in the child.
 */
export function readProcFile(pid: number, name: string): string {
  try {
    return fs.readFileSync(`/proc/${pid}/${name}`, 'latin1');
  } catch (error) {
    if (isGone(error)) throw noSuchProcess(pid, error);
    if ((error as NodeJS.ErrnoException).code === 'EACCES') {
      throw new CowloopError(
        ErrorCodes.ERR_COWLOOP_PROCESS_NOT_READABLE,
        `cannot read /proc/${pid}/${name}: permission denied (the process belongs to another ` +
          `user; run as that user or as root)`,
        { cause: error },
      );
    }
    throw error;
  }
}

/** Like readProcFile, but undefined when the process (or the file) does not exist. */
export function readProcFileIfExists(pid: number, name: string): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/${name}`, 'latin1');
  } catch (error) {
    if (isGone(error)) return undefined;
    throw error;
  }
}
