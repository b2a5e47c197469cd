// Loads the addon once. Everything native is reached through `native()`.
import path from 'node:path';
import { CowloopError, ErrorCodes } from './errors.js';

export interface ForkOutcome {
  pid: number;
  self: number;
  prepareNs: number;
  forkNs: number;
  mappings: number;
}

export interface ExitStatus {
  code: number | null;
  signal: number | null;
}

export interface NativeBinding {
  supported: boolean;
  fork(deathSignal: number): ForkOutcome;
  prepareFork(): { prepareNs: number; mappings: number };
  platformThreads(): number;
  pipe(): [number, number];
  exit(code: number): never;
  setAffinity(cpus: number[]): void;
  dup2(from: number, to: number): void;
  waitpid(pid: number): ExitStatus | undefined;
  sharedMemory(bytes: number, fd?: number): SharedArrayBuffer;
  collectGarbage(thorough: boolean): void;
}

let binding: NativeBinding | undefined;

export function native(): NativeBinding {
  if (binding) return binding;
  const file = path.join(__dirname, '..', '..', 'build', 'Release', 'cowloop.node');
  try {
    binding = require(file) as NativeBinding;
  } catch (cause) {
    throw new CowloopError(
      ErrorCodes.ERR_COWLOOP_NATIVE_ADDON,
      `cannot load the cowloop addon from ${file}; build it with "npm run build:native" ` +
        `(needs python3, make and g++)`,
      { cause },
    );
  }
  return binding;
}
