// Loads jsroot (the optional peer package that reads ROOT files) once per process, with
// everything its read path may load later: a forked worker then never has to load a module,
// and nothing of jsroot is left half-loaded at a fork.
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CowloopError, ErrorCodes } from '../../errors.js';

/** The parts of jsroot cowloop uses (jsroot/io and jsroot/tree ship no type declarations). */
export interface Jsroot {
  openFile(source: unknown): Promise<JsrootFile>;
  /** The base class openFile recognises file proxies by. */
  FileProxy: new () => object;
  TSelector: new () => JsrootSelector;
  treeProcess(tree: unknown, selector: JsrootSelector, args: { firstentry: number; numentries: number; elist?: number[] }): Promise<unknown>;
}

export interface JsrootFile {
  fKeys: Array<{ fName: string; fClassName: string; fCycle: number }>;
  readObject(name: string): Promise<unknown>;
  delete?(): void;
}

export interface JsrootSelector {
  tgtobj: Record<string, unknown>;
  addBranch(name: string): void;
  Process(entry: number): void;
  Terminate(ok: boolean): void;
}

/** The jsroot release cowloop was checked against (docs/guide.md, ROOT input). */
export const JSROOT_RANGE = '^7.11.2';

let loading: Promise<Jsroot> | undefined;

/** jsroot/io and jsroot/tree; a clear error naming the package when it is not installed. */
export function loadJsroot(forFile: string): Promise<Jsroot> {
  loading ??= load().catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading.catch((error: unknown) => {
    if (!isMissing(error)) throw error;
    throw new CowloopError(
      ErrorCodes.ERR_COWLOOP_IO_MISSING_PACKAGE,
      `reading ROOT files (${forFile}) needs the optional package jsroot (${JSROOT_RANGE}), which is not installed: ` +
        `run "npm install jsroot@${JSROOT_RANGE}" in your project (see "ROOT input" in docs/guide.md)`,
      { cause: error },
    );
  });
}

async function load(): Promise<Jsroot> {
  // Specifiers in variables: the package is optional, and TypeScript must not look for it.
  const ioSpec = 'jsroot/io';
  const treeSpec = 'jsroot/tree';
  const coreSpec = 'jsroot/core';
  const io = (await import(ioSpec)) as { openFile: Jsroot['openFile']; FileProxy: Jsroot['FileProxy'] };
  const tree = (await import(treeSpec)) as { TSelector: Jsroot['TSelector']; treeProcess: Jsroot['treeProcess'] };
  const core = (await import(coreSpec)) as { internals: Record<string, unknown> };
  // The decompressors jsroot imports on first use: load them now, in this process.
  const ioFile = createRequire(__filename).resolve(ioSpec);
  await import(pathToFileURL(path.join(path.dirname(ioFile), 'base', 'lzma.mjs')).href);
  await initZstd(ioFile, core.internals);
  return { openFile: io.openFile, FileProxy: io.FileProxy, TSelector: tree.TSelector, treeProcess: tree.treeProcess };
}

/**
 * jsroot decompresses zstd with @oneidentity/zstd-js, whose module installs process-wide
 * uncaughtException and unhandledRejection listeners when it starts (they would turn any
 * unhandled rejection of the application into an abort). Start it here, take those
 * listeners off again, and hand jsroot the ready decompressor.
 */
async function initZstd(ioFile: string, internals: Record<string, unknown>): Promise<void> {
  if (internals._ZstdStream) return;
  const events = ['uncaughtException', 'unhandledRejection'];
  const listeners = (e: string) => process.listeners(e as 'unhandledRejection') as Array<(...args: unknown[]) => void>;
  const before = new Map(events.map((e) => [e, new Set(listeners(e))]));
  try {
    const zstdFile = createRequire(ioFile).resolve('@oneidentity/zstd-js');
    const zstd = (await import(pathToFileURL(zstdFile).href)) as { ZstdInit?: () => Promise<{ ZstdStream: unknown }> };
    const init = zstd.ZstdInit ?? (zstd as { default?: { ZstdInit: () => Promise<{ ZstdStream: unknown }> } }).default?.ZstdInit;
    if (init) internals._ZstdStream = (await init()).ZstdStream;
  } finally {
    for (const e of events) {
      for (const listener of listeners(e)) {
        if (!before.get(e)!.has(listener)) process.off(e, listener);
      }
    }
  }
}

function isMissing(error: unknown): boolean {
  const e = error as NodeJS.ErrnoException;
  return (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') && /jsroot/.test(e.message);
}
