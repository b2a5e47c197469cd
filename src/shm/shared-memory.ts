// Memory that stays shared across fork(): a SharedArrayBuffer over MAP_SHARED anonymous
// pages. V8's own SharedArrayBuffer is private memory, copied on write after a fork.
import { CowloopError, ErrorCodes, invalidArgument } from '../errors.js';
import { native } from '../native.js';

const MAX_BYTES = 2 ** 40;

/**
 * A zero-filled SharedArrayBuffer whose pages are shared with every child forked after
 * this call (Atomics work across the processes).
 */
export function sharedMemory(bytes: number): SharedArrayBuffer {
  if (!Number.isSafeInteger(bytes) || bytes <= 0 || bytes > MAX_BYTES) {
    throw invalidArgument('bytes', `an integer between 1 and ${MAX_BYTES}`, bytes);
  }
  const binding = native();
  if (!binding.supported) {
    throw new CowloopError(ErrorCodes.ERR_COWLOOP_UNSUPPORTED_PLATFORM, `sharedMemory needs Linux; this is ${process.platform}`);
  }
  try {
    return binding.sharedMemory(bytes);
  } catch (cause) {
    throw new CowloopError(ErrorCodes.ERR_COWLOOP_FORK_FAILED, `cannot map ${bytes} bytes of shared memory: ${(cause as Error).message}`, { cause });
  }
}
