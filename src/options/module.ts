// `.js` / `.cjs` / `.mjs` job options: a module whose default export (or module.exports)
// is a function that receives a typed configuration API and may be async.
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ErrorCodes } from '../errors.js';
import { JobOptionsError } from './errors.js';
import { jobOptionsFormat } from './format-of.js';
import type { ReadState } from './state.js';
import type { OptionValue, SourceLocation } from './types.js';
import { cloneValue } from './values.js';

/** What an options module's function receives. */
export interface JobOptionsConfig {
  /** This module's file, as given. */
  readonly file: string;
  /** `Client.Property = value`. */
  set(client: string, property: string, value: OptionValue): void;
  /** `Client.Property += value`: append to a list, merge into a map. */
  append(client: string, property: string, value: OptionValue): void;
  /** `Client.Property -= value`: remove list elements or map keys. */
  remove(client: string, property: string, value: OptionValue): void;
  /** A copy of the value set so far, or undefined. */
  get(client: string, property: string): OptionValue | undefined;
  has(client: string, property: string): boolean;
  /** What `#ifdef name` would see: a define, a set Client.Property, or a client with options. */
  isDefined(name: string): boolean;
  clients(): string[];
  /**
   * Reads another options file (any format), relative to this module. .opts and .json
   * files are read before it returns; await it for .js/.mjs modules.
   */
  include(file: string): Promise<void>;
}

export type JobOptionsModule = (cfg: JobOptionsConfig) => void | Promise<void>;

export interface FileReaders {
  /** Any format; modules are imported, so this is async. */
  read(state: ReadState, display: string, from?: SourceLocation): Promise<void>;
  /** .opts and .json only. */
  readSync(state: ReadState, display: string, from?: SourceLocation): void;
}

export async function evaluateModule(
  state: ReadState,
  display: string,
  resolved: string,
  from: SourceLocation | undefined,
  readers: FileReaders,
): Promise<void> {
  let namespace: unknown;
  try {
    namespace = await import(pathToFileURL(resolved).href);
  } catch (error) {
    throw new JobOptionsError(
      ErrorCodes.ERR_COWLOOP_OPTIONS_MODULE,
      `cannot load the options module ${display}: ${(error as Error)?.message ?? String(error)}`,
      from ?? stackLocation(error, resolved, display),
      { cause: error },
    );
  }
  const exported = moduleExport(namespace);
  state.trace(`reading ${display}`);
  if (typeof exported === 'object' && exported !== null && !Array.isArray(exported) && !isNamespace(exported)) {
    // A module may also export the options as a plain { Client: { Property: value } } object.
    for (const [client, properties] of Object.entries(exported)) {
      if (typeof properties !== 'object' || properties === null || Array.isArray(properties)) {
        throw new JobOptionsError(
          ErrorCodes.ERR_COWLOOP_OPTIONS_VALUE,
          `the options of client ${client} exported by ${display} must be an object of { Property: value }`,
          { file: display, line: 1, column: 1 },
        );
      }
      for (const [property, value] of Object.entries(properties as object)) {
        state.catalogue.set(client, property, value as OptionValue, { file: display, line: 1, column: 1 });
        state.settled(client, property);
      }
    }
    return;
  }
  if (typeof exported !== 'function') {
    throw new JobOptionsError(
      ErrorCodes.ERR_COWLOOP_OPTIONS_MODULE,
      `the options module ${display} must export a function (cfg) => { cfg.set(...) } as its default export or module.exports (found ${exported === undefined ? 'no default export' : typeof exported})`,
      from,
    );
  }
  const here = (): SourceLocation => callerLocation(resolved, display);
  // Includes the module forgot to await still finish (and fail) before this file is done.
  const pending: Promise<void>[] = [];
  const cfg: JobOptionsConfig = {
    file: display,
    set: (client, property, value) => {
      state.catalogue.set(client, property, value, here());
      state.settled(client, property);
    },
    append: (client, property, value) => {
      if (!state.deferOperation(client, property, '+=', cloneValue(value), here())) state.catalogue.append(client, property, value, here());
    },
    remove: (client, property, value) => {
      if (!state.deferOperation(client, property, '-=', cloneValue(value), here())) state.catalogue.remove(client, property, value, here());
    },
    get: (client, property) => {
      const entry = state.catalogue.get(client, property);
      return entry ? cloneValue(entry.value) : undefined;
    },
    has: (client, property) => state.catalogue.has(client, property),
    isDefined: (name) => state.isDefined(name),
    clients: () => state.catalogue.clients(),
    include: (file) => {
      if (typeof file !== 'string' || file === '') {
        throw new JobOptionsError(ErrorCodes.ERR_COWLOOP_OPTIONS_INCLUDE, 'cfg.include needs a file name', here());
      }
      const at = here();
      const target = path.isAbsolute(file) ? file : path.join(path.dirname(display), file);
      if (jobOptionsFormat(target) !== 'module') {
        // Read now, so an error stops the module at the include that caused it.
        readers.readSync(state, target, at);
        return Promise.resolve();
      }
      const done = readers.read(state, target, at);
      pending.push(done);
      done.catch(() => undefined);
      return done;
    },
  };
  try {
    await (exported as JobOptionsModule)(cfg);
    await Promise.all(pending);
  } catch (error) {
    if (error instanceof JobOptionsError) throw error;
    throw new JobOptionsError(
      ErrorCodes.ERR_COWLOOP_OPTIONS_MODULE,
      `the options module ${display} failed: ${(error as Error)?.message ?? String(error)}`,
      stackLocation(error, resolved, display) ?? from,
      { cause: error },
    );
  }
}

function moduleExport(namespace: unknown): unknown {
  if (typeof namespace !== 'object' || namespace === null) return undefined;
  let exported = (namespace as { default?: unknown }).default;
  // CommonJS `exports.default = fn` arrives as { default: fn } under the namespace's default.
  if (typeof exported === 'object' && exported !== null && typeof (exported as { default?: unknown }).default === 'function') {
    exported = (exported as { default: unknown }).default;
  }
  return exported;
}

function isNamespace(value: object): boolean {
  return Object.prototype.toString.call(value) === '[object Module]';
}

const FRAME = /\(?(?:file:\/\/)?(\/[^():]*(?::(?!\d)[^():]*)*):(\d+):(\d+)\)?\s*$/;

/** The line in the options module that called the API, read from a fresh stack. */
function callerLocation(resolved: string, display: string): SourceLocation {
  return stackLocation(new Error(), resolved, display) ?? { file: display, line: 1, column: 1 };
}

function stackLocation(error: unknown, resolved: string, display: string): SourceLocation | undefined {
  const stack = (error as { stack?: unknown })?.stack;
  if (typeof stack !== 'string') return undefined;
  for (const line of stack.split('\n').slice(1)) {
    const m = FRAME.exec(line);
    if (!m) continue;
    const file = decodeURIComponent(m[1]!);
    if (file === resolved) return { file: display, line: Number(m[2]), column: Number(m[3]) };
  }
  return undefined;
}
