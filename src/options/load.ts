// Entry points: read job options from a file (format chosen by extension), from .opts
// text, or from a plain object.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ErrorCodes, invalidArgument } from '../errors.js';
import { JobOptionsCatalogue } from './catalogue.js';
import { formatLocation, JobOptionsError } from './errors.js';
import { describeStatements, evaluateOpts, resolveReferences, type IncludeHandler } from './evaluator.js';
import { formatGaudiOptions } from './format.js';
import { expandInValue } from './environment.js';
import { evaluateJson } from './json.js';
import { jobOptionsFormat } from './format-of.js';
import { evaluateModule } from './module.js';
import { ReadState, type ReadOptions } from './state.js';
import type { OptionValue, SourceLocation } from './types.js';
import { parseUnits } from './units.js';
import { valuesEqual } from './values.js';

export type { ReadOptions as LoadJobOptionsOptions } from './state.js';
export { jobOptionsFormat } from './format-of.js';

/** Reads a job options file and everything it includes. */
export async function loadJobOptions(file: string, options: ReadOptions = {}): Promise<JobOptionsCatalogue> {
  if (typeof file !== 'string' || file === '') throw invalidArgument('file', 'a non-empty path', file);
  checkReadOptions(options);
  const state = new ReadState(options);
  await readFile(state, locateTopFile(state, file));
  finish(state);
  return state.catalogue;
}

/** Reads .opts text; `file` names it in messages and anchors relative #include paths. */
export function parseJobOptions(text: string, file = '<string>', options: ReadOptions = {}): JobOptionsCatalogue {
  if (typeof text !== 'string') throw invalidArgument('text', 'a string', text);
  checkReadOptions(options);
  const state = new ReadState(options);
  const resolved = file.startsWith('<') ? file : path.resolve(file);
  state.stack.push({ display: file, resolved });
  state.included.set(resolved, undefined);
  evaluateOpts(state, text, file, includes);
  finish(state);
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
  if (options.warn !== undefined && typeof options.warn !== 'function') {
    throw invalidArgument('options.warn', 'a function (message: string) => void', options.warn);
  }
  if (
    options.searchPath !== undefined &&
    (!Array.isArray(options.searchPath) || options.searchPath.some((d) => typeof d !== 'string'))
  ) {
    throw invalidArgument('options.searchPath', 'an array of directories', options.searchPath);
  }
}

/** After the last file: references take their values, then what Gaudi prints at the end. */
function finish(state: ReadState): void {
  resolveReferences(state);
  expandEnvironmentInValues(state);
  if (state.printAll && state.printing) {
    for (const line of formatGaudiOptions(state.catalogue).split('\n').slice(0, -1)) state.sink(line);
  }
  if (state.printTree && state.printing) {
    for (const tree of state.trees) {
      state.sink(`<file value=${JSON.stringify(tree.file)}>`);
      for (const line of describeStatements(tree.statements, 1)) state.sink(line);
      state.sink('</file>');
    }
  }
  if (state.dumpFile) writeDumpFile(state, state.dumpFile);
}

/**
 * `$VAR` and `$(VAR)` in the values set by .opts text, as Gaudi expands them when it hands
 * the values out: after every file is read, so `+=`, `-=` and references saw the text as written.
 */
function expandEnvironmentInValues(state: ReadState): void {
  for (const waiting of state.fromOptsText) {
    const [client, property] = waiting.split('\0') as [string, string];
    const entry = state.catalogue.get(client, property);
    if (!entry) continue;
    const spelled = state.catalogue.spelled(client, property)!;
    const value = expandInValue(spelled);
    if (!valuesEqual(value, spelled)) state.catalogue.setSpelled(client, property, value, entry.location);
  }
}

/** `#pragma dumpfile "file"`: every option in Gaudi's format, written whole or not at all. */
function writeDumpFile(state: ReadState, dump: NonNullable<ReadState['dumpFile']>): void {
  const target = path.resolve(expandEnvironment(dump.path, dump.location, dump.source));
  const partial = `${target}.${process.pid}.partial`;
  try {
    fs.writeFileSync(partial, formatGaudiOptions(state.catalogue));
    fs.renameSync(partial, target);
  } catch (error) {
    fs.rmSync(partial, { force: true });
    throw new JobOptionsError(
      ErrorCodes.ERR_COWLOOP_OPTIONS_FILE,
      `cannot write the #pragma dumpfile ${target}: ${(error as Error).message}`,
      dump.location,
      { cause: error, source: dump.source },
    );
  }
}

async function readFile(state: ReadState, display: string, from?: SourceLocation): Promise<void> {
  if (jobOptionsFormat(display) !== 'module') {
    readFileSync(state, display, from);
    return;
  }
  const resolved = path.resolve(display);
  if (!fs.existsSync(resolved)) unreadable(display, resolved, from, undefined);
  if (!enter(state, display, resolved, from)) return;
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
  const resolved = path.resolve(display);
  let text: string;
  try {
    text = fs.readFileSync(resolved, 'utf8');
  } catch (error) {
    return unreadable(display, resolved, from, error, source);
  }
  if (!enter(state, display, resolved, from, source)) return;
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

/**
 * Records that a file is read. As in Gaudi, a file already read (or being read: a cycle)
 * is skipped with a warning; in strict mode both are errors. False when it is skipped.
 */
function enter(state: ReadState, display: string, resolved: string, from?: SourceLocation, source?: string): boolean {
  const cycle = state.cycleTo(resolved, display);
  if (cycle) {
    if (state.strict) {
      throw new JobOptionsError(ErrorCodes.ERR_COWLOOP_OPTIONS_INCLUDE, `include cycle: ${cycle}; remove one of these includes`, from, {
        source,
      });
    }
    state.warn(`${from ? `${formatLocation(from)}: ` : ''}include cycle ${cycle}: ${display} is already being read, ignored`);
    return false;
  }
  if (state.included.has(resolved)) {
    const first = state.included.get(resolved);
    const where = first ? `from ${formatLocation(first)}` : 'as the top file';
    if (state.strict) {
      throw new JobOptionsError(
        ErrorCodes.ERR_COWLOOP_OPTIONS_INCLUDE,
        `${display} is already included ${where}; in strict mode a file may be read once`,
        from,
        { source },
      );
    }
    state.warn(`${from ? `${formatLocation(from)}: ` : ''}${display} is already included ${where}, ignored`);
    return false;
  }
  state.included.set(resolved, from);
  return true;
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
    `cannot read the included file ${where}: ${reason}`,
    from,
    { cause: error, source },
  );
}

/**
 * Where an `#include` or `#units` file is, in Gaudi's order: the path as written (relative
 * to the current directory), then beside the including file, then in each directory of
 * the search path (JOBOPTSEARCHPATH).
 */
function locate(state: ReadState, name: string, from: SourceLocation, source: string): string {
  const expanded = expandEnvironment(name, from, source);
  if (path.isAbsolute(expanded)) return expanded;
  const dirs = [...(from.file.startsWith('<') ? [] : [path.dirname(from.file)]), ...state.searchPath];
  const found = [expanded, ...dirs.map((dir) => path.join(dir, expanded))].find(isFile);
  if (found) return found;
  const searched = [...new Set(dirs.map((dir) => path.resolve(dir)))];
  throw new JobOptionsError(
    ErrorCodes.ERR_COWLOOP_OPTIONS_INCLUDE,
    `cannot find the included file ${expanded}: not in the current directory${searched.length > 0 ? ` nor in ${searched.join(', ')}` : ''}${state.searchPath.length === 0 ? ' (JOBOPTSEARCHPATH is not set)' : ''}`,
    from,
    { source },
  );
}

/** The top file: as given, else in the search path, as Gaudi looks for it. */
function locateTopFile(state: ReadState, file: string): string {
  if (path.isAbsolute(file) || isFile(file)) return file;
  return state.searchPath.map((dir) => path.join(dir, file)).find(isFile) ?? file;
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** `$NAME`, `$(NAME)` (Gaudi's forms) and `${NAME}` in include paths. */
function expandEnvironment(name: string, from: SourceLocation, source: string): string {
  return name.replace(
    /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|\(([A-Za-z0-9_]+)\)|([A-Za-z0-9_]+))/g,
    (_, braced?: string, parenthesised?: string, bare?: string) => {
      const variable = (braced ?? parenthesised ?? bare)!;
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
    },
  );
}

const includes: IncludeHandler = {
  include(state, name, from, source) {
    const display = locate(state, name, from, source);
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
    const display = locate(state, name, from, source);
    const resolved = path.resolve(display);
    let text: string;
    try {
      text = fs.readFileSync(resolved, 'utf8');
    } catch (error) {
      return unreadable(display, resolved, from, error, source);
    }
    // Units files count as included files too, as in Gaudi.
    if (!enter(state, display, resolved, from, source)) return;
    parseUnits(text, display, state.units, state.unitSites);
  },
};
