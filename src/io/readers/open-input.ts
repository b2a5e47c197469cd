// Opening an input file for reading, with the error every reader gives when it cannot.
import * as fs from 'node:fs';
import { CowloopError, ErrorCodes } from '../../errors.js';

/** A read descriptor of `path`; ERR_COWLOOP_IO_INPUT naming the file (and what to check) if it cannot be opened. */
export function openInput(path: string): number {
  try {
    return fs.openSync(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const hint = code === 'ENOENT' ? ': check EventSelector.Input (relative paths are resolved from the working directory)' : '';
    throw new CowloopError(ErrorCodes.ERR_COWLOOP_IO_INPUT, `cannot open input ${path}: ${(error as Error).message}${hint}`, {
      cause: error,
    });
  }
}
