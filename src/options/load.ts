// Entry points: read job options from a file (format chosen by extension), from .opts
// text, or from a plain object.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ErrorCodes, invalidArgument } from '../errors.js';
import { JobOptionsCatalogue } from './catalogue.js';
import { JobOptionsError } from './errors.js';
import { evaluateOpts, type IncludeHandler } from './evaluator.js';
import { evaluateJson } from './json.js';
import { jobOptionsFormat } from './format-of.js';
import { evaluateModule } from './module.js';
import { ReadState, type ReadOptions } from './state.js';
import type { OptionValue, SourceLocation } from './types.js';
import { parseUnits } from './units.js';

export type { ReadOptions as LoadJobOptionsOptions } from './state.js';
export { jobOptionsFormat } from './format-of.js';

/** Reads a job options file and everything it includes. */
export async function loadJobOptions(file: string, options: ReadOptions = {}): Promise<JobOptionsCatalogue> {
  if (typeof file !== 'string' || file === '') throw invalidArgument('file', 'a non-empty path', file);
  checkReadOptions(options);
  const state = new ReadState(options);
  await readFile(state, file);
  return state.catalogue;
}

/** Reads .opts text; `file` names it in messages and anchors relative #include paths. */
export function parseJobOptions(text: string, file = '<string>', options: ReadOptions = {}): JobOptionsCatalogue {
  if (typeof text !== 'string') throw invalidArgument('text', 'a string', text);
  checkReadOptions(options);
  const state = new ReadState(options);
  state.stack.push({ display: file, resolved: file.startsWith('<') ? file : path.resolve(file) });
  evaluateOpts(state, text, file, includes);
  return state.catalogue;
}

/** A catalogue from `{ Client: { Property: value } }` (validated). */
export function jobOptionsFromObject(
  object: Record<string, Record<string, OptionValue>>,
  location?: SourceLocation,
): JobOptionsCatalogue {
  return JobOptionsCatalogue.fromObject(object, location);
}

function checkReadOptions(options: ReadOptions): void {
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'an object', options);
  if (options.defines !== undefined && (!Array.isArray(options.defines) || options.defines.some((d) => typeof d !== 'string'))) {
    throw invalidArgument('options.defines', 'an array of names', options.defines);
  }
  if (options.print !== undefined && typeof options.print !== 'function') {
    throw invalidArgument('options.print', 'a function (line: string) => void', options.print);
  }
}

async function readFile(state: ReadState, display: string, from?: SourceLocation): Promise<void> {
  if (jobOptionsFormat(display) !== 'module') {
    readFileSync(state, display, from);
    return;
  }
  const resolved = open(state, display, from);
  if (!fs.existsSync(resolved)) unreadable(display, resolved, from, undefined);
  state.stack.push({ display, resolved });
  try {
    await evaluateModule(state, display, resolved, from, { read: readFile, readSync: readFileSync });
  } catch (error) {
    throw withIncludeSite(error, from);
  } finally {
    state.stack.pop();
  }
}

function readFileSync(state: ReadState, display: string, from?: SourceLocation, source?: string): void {
  const resolved = open(state, display, from, source);
  let text: string;
  try {
    text = fs.readFileSync(resolved, 'utf8');
  } catch (error) {
    return unreadable(display, resolved, from, error, source);
  }
  state.stack.push({ display, resolved });
  try {
    if (jobOptionsFormat(display) === 'json') evaluateJson(state, text, display);
    else evaluateOpts(state, text, display, includes);
  } catch (error) {
    throw withIncludeSite(error, from);
  } finally {
    state.stack.pop();
  }
}

function withIncludeSite(error: unknown, from: SourceLocation | undefined): unknown {
  if (from && error instanceof JobOptionsError) error.addIncludedFrom(from);
  return error;
}

/** Resolves a file and refuses one that is already open (an include cycle). */
function open(state: ReadState, display: string, from?: SourceLocation, source?: string): string {
  const resolved = path.resolve(display);
  const cycle = state.cycleTo(resolved, display);
  if (cycle) {
    throw new JobOptionsError(
      ErrorCodes.ERR_COWLOOP_OPTIONS_INCLUDE,
      `include cycle: ${cycle}; remove one of these includes`,
      from,
      { source },
    );
  }
  return resolved;
}

function unreadable(display: string, resolved: string, from: SourceLocation | undefined, error: unknown, source?: string): never {
  const reason = (error as NodeJS.ErrnoException | undefined)?.code === 'EISDIR' ? 'it is a directory' : 'no such file';
  const where = display === resolved ? display : `${display} (${resolved})`;
  if (!from) {
    throw new JobOptionsError(ErrorCodes.ERR_COWLOOP_OPTIONS_FILE, `cannot read the job options file ${where}: ${reason}`, undefined, {
      cause: error,
    });
  }
  throw new JobOptionsError(
    ErrorCodes.ERR_COWLOOP_OPTIONS_INCLUDE,
    `cannot read the included file ${where}: ${reason}; paths are relative to the including file`,
    from,
    { cause: error, source },
  );
}

/** `$NAME` and `${NAME}` in include paths, as Gaudi allows. */
function expandEnvironment(name: string, from: SourceLocation, source: string): string {
  return name.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g, (_, braced?: string, bare?: string) => {
    const variable = (braced ?? bare)!;
    const value = process.env[variable];
    if (value === undefined) {
      throw new JobOptionsError(
        ErrorCodes.ERR_COWLOOP_OPTIONS_INCLUDE,
        `the environment variable ${variable} used in "${name}" is not set`,
        from,
        { source },
      );
    }
    return value;
  });
}

const includes: IncludeHandler = {
  include(state, name, from, source) {
    const display = ReadState.includedPath(expandEnvironment(name, from, source), from.file);
    if (jobOptionsFormat(display) === 'module') {
      throw new JobOptionsError(
        ErrorCodes.ERR_COWLOOP_OPTIONS_INCLUDE,
        `cannot #include the JavaScript module ${display} from .opts text: a module runs only as the top file or through cfg.include() in another module`,
        from,
        { source },
      );
    }
    readFileSync(state, display, from, source);
  },
  units(state, name, from, source) {
    const display = ReadState.includedPath(expandEnvironment(name, from, source), from.file);
    const resolved = path.resolve(display);
    let text: string;
    try {
      text = fs.readFileSync(resolved, 'utf8');
    } catch (error) {
      return unreadable(display, resolved, from, error, source);
    }
    parseUnits(text, display, state.units);
  },
};
