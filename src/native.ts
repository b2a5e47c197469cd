// Loads the addon once. Everything native is reached through `native()`.
import fs from 'node:fs';
import path from 'node:path';
import * as nodeGypBuild from 'node-gyp-build';
import { CowloopError, ErrorCodes } from './errors.js';
import { assertSupportedNode } from './node-support.js';

export interface ForkOutcome {
  pid: number;
  self: number;
  prepareNs: number;
  forkNs: number;
  /** CPU time the parent's thread spent in the system call. */
  forkCpuNs: number;
  mappings: number;
}

export interface HugePagesOutcome {
  mappings: number;
  eligibleBytes: number;
  collapsedBytes: number;
  refused: number;
  collapseErrno: number;
  ns: number;
}

export interface ExitStatus {
  code: number | null;
  signal: number | null;
}

export interface NativeBinding {
  supported: boolean;
  /** NODE_MODULE_VERSION of the headers it was built with. */
  abi: number;
  /** The Node.js version of those headers. */
  builtFor: string;
  /** The version of these exports (native/common.h). */
  interfaceVersion: number;
  fork(deathSignal: number): ForkOutcome;
  prepareFork(): { prepareNs: number; mappings: number; failures: number; secondPass: boolean };
  hugePages(minBytes: number, advise: boolean, collapse: boolean): HugePagesOutcome;
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

/** The export version this TypeScript expects (kInterfaceVersion in native/common.h). */
const INTERFACE_VERSION = 4;

/** The package's root: build/ and prebuilds/ lie here. */
const packageRoot = path.join(__dirname, '..', '..');

export function native(): NativeBinding {
  if (binding) return binding;
  assertSupportedNode();
  const abi = Number(process.versions.modules);
  const refused: string[] = [];
  for (const file of addonFiles()) {
    let candidate: NativeBinding;
    try {
      candidate = require(file) as NativeBinding;
    } catch (cause) {
      refused.push(`${file}: ${(cause as Error).message.split('\n')[0]}`);
      continue;
    }
    // Node-API modules load into any release, but this one also uses node.h's platform
    // classes, whose layout differs per release: calling into another release's build
    // aborts or hangs at the first fork.
    if (candidate.abi !== abi) {
      refused.push(`${file}: built for Node.js ${candidate.builtFor ?? 'of another release'} (ABI ${candidate.abi ?? 'unknown'})`);
      continue;
    }
    if (candidate.interfaceVersion !== INTERFACE_VERSION) {
      refused.push(`${file}: built from other sources (addon interface ${candidate.interfaceVersion ?? 1}, expected ${INTERFACE_VERSION}): rebuild it`);
      continue;
    }
    binding = candidate;
    return binding;
  }
  throw new CowloopError(
    ErrorCodes.ERR_COWLOOP_NATIVE_ADDON,
    `no cowloop addon for Node.js ${process.version} (ABI ${abi}, ${process.platform}-${process.arch}):\n` +
      refused.map((line) => `  ${line}\n`).join('') +
      `build one with "npm rebuild cowloop --build-from-source" in your project, or "npm run build:native" ` +
      `in a clone of cowloop (either needs python3, make and g++)`,
  );
}

/** Where the addon may be, best first: a from-source build, then the prebuilt binary. */
function addonFiles(): string[] {
  const prebuilt = path.join(packageRoot, 'prebuilds', `${process.platform}-${process.arch}`, `node.abi${process.versions.modules}.glibc.node`);
  let found: string | undefined;
  try {
    found = nodeGypBuild.path(packageRoot); // build/Release if any, else the matching prebuild
  } catch {
    return [prebuilt]; // neither exists: loading it names the file that is missing
  }
  // node-gyp-build prefers build/Release whatever release it was built for; when that build
  // is for another release, this release's prebuilt binary is the right one.
  return found === prebuilt || !fs.existsSync(prebuilt) ? [found] : [found, prebuilt];
}
