// What one reading of job options carries from file to file: the catalogue being built,
// the defined names, the units, the print switches, the files read so far and the open
// chain of includes, and the `@` references waiting for the end of the reading.
import * as path from 'node:path';
import type { AssignOperator, Statement } from './ast.js';
import { JobOptionsCatalogue } from './catalogue.js';
import { formatLocation } from './errors.js';
import type { SpelledValue } from './spelling.js';
import type { OptionValue, SourceLocation } from './types.js';

export interface ReadOptions {
  /** Names that `#ifdef` sees as defined (like `-D NAME`). */
  defines?: string[];
  /** Where `#printOptions` and the echo of assignments go (default: stdout). */
  print?: (line: string) => void;
  /** Echo each file read and each assignment to `print` while `#pragma print` is on. */
  echo?: boolean;
  /** Where warnings go, such as a file included twice (default: stderr). */
  warn?: (message: string) => void;
  /**
   * Make a file included a second time, and an include cycle, errors instead of warnings
   * (Gaudi skips them with a warning).
   */
  strict?: boolean;
  /**
   * Directories searched for `#include` and `#units` files after the including file's own
   * directory (default: the JOBOPTSEARCHPATH environment variable, split at `,` and `:`).
   */
  searchPath?: string[];
}

export interface OpenFile {
  /** The file as shown in messages (relative paths stay relative). */
  display: string;
  /** Absolute path, to detect include cycles. */
  resolved: string;
}

/** A `@Client.Property` inside a value, resolved once every file has been read. */
export class PendingReference {
  constructor(
    readonly client: string,
    readonly property: string,
    readonly location: SourceLocation,
    /** The text of the file it is in, for the error excerpt. */
    readonly source: string,
    /** For a bare copy of a property that itself waits: the operations copied. */
    readonly snapshot?: DeferredOperation[],
  ) {}
}

/** A value that may still hold references: a spelled value with PendingReference leaves. */
export type DeferredValue = SpelledValue | PendingReference | DeferredValue[] | { [key: string]: DeferredValue };

/** One `=`, `+=` or `-=` of a property whose value depends on a reference. */
export interface DeferredOperation {
  operator: AssignOperator;
  value: DeferredValue;
  location: SourceLocation;
  source: string;
}

export class ReadState {
  readonly catalogue = new JobOptionsCatalogue();
  readonly defines: Set<string>;
  readonly units = new Map<string, number>();
  /** Where each unit was defined, to report a second definition. */
  readonly unitSites = new Map<string, SourceLocation>();
  readonly sink: (line: string) => void;
  readonly warn: (message: string) => void;
  readonly echo: boolean;
  readonly strict: boolean;
  readonly searchPath: string[];
  /** `#pragma print on|off`; applies to everything read after it. */
  printing = true;
  /** `#printOptions full` was read: print every option once the reading is done. */
  printAll = false;
  /** `#pragma printtree` was read: print the statements once the reading is done. */
  printTree = false;
  /** `#pragma dumpfile "file"`: write every option to this file once the reading is done. */
  dumpFile: { path: string; location: SourceLocation; source: string } | undefined;
  /** The statements of each .opts file read, for `#pragma printtree`. */
  readonly trees: { file: string; statements: Statement[] }[] = [];
  readonly stack: OpenFile[] = [];
  /** Every file read so far (absolute path) and where it was first included from. */
  readonly included = new Map<string, SourceLocation | undefined>();
  /** Properties whose value waits for a reference, by `client\0property`, in order. */
  readonly deferred = new Map<string, DeferredOperation[]>();
  /** Properties last set by .opts text, by `client\0property`: their `$VAR`s are expanded at the end. */
  readonly fromOptsText = new Set<string>();

  constructor(options: ReadOptions = {}) {
    this.defines = new Set(options.defines ?? []);
    this.sink = options.print ?? ((line: string) => void process.stdout.write(`${line}\n`));
    this.warn = options.warn ?? ((message: string) => void process.stderr.write(`cowloop: warning: ${message}\n`));
    this.echo = options.echo ?? false;
    this.strict = options.strict ?? false;
    this.searchPath = options.searchPath ?? splitSearchPath(process.env.JOBOPTSEARCHPATH);
  }

  /** True for a `-D` name, a set `Client.Property`, or a client with any property set. */
  isDefined(name: string): boolean {
    if (this.defines.has(name)) return true;
    if (this.catalogue.clients().includes(name)) return true;
    const dot = name.lastIndexOf('.');
    return dot > 0 && this.catalogue.has(name.slice(0, dot), name.slice(dot + 1));
  }

  /** The cycle `a -> b -> a` if `resolved` is already open, else undefined. */
  cycleTo(resolved: string, display: string): string | undefined {
    const index = this.stack.findIndex((f) => f.resolved === resolved);
    if (index < 0) return undefined;
    return [...this.stack.slice(index).map((f) => f.display), display].join(' -> ');
  }

  /** A plain value set from JSON or a module: it no longer waits for a reference. */
  settled(client: string, property: string): void {
    this.deferred.delete(deferredKey(client, property));
    this.fromOptsText.delete(deferredKey(client, property));
  }

  /**
   * `+=` / `-=` from a module on a property that waits for a reference: queued behind it.
   * False when the property does not wait (the caller applies the operation now).
   */
  deferOperation(client: string, property: string, operator: AssignOperator, value: OptionValue, location: SourceLocation): boolean {
    const log = this.deferred.get(deferredKey(client, property));
    if (!log) return false;
    log.push({ operator, value, location, source: '' });
    this.catalogue.setSpelled(client, property, this.catalogue.spelled(client, property)!, location);
    return true;
  }

  trace(line: string, location?: SourceLocation): void {
    if (this.echo && this.printing) this.sink(location ? `// ${formatLocation(location)}: ${line}` : `// ${line}`);
  }
}

export function deferredKey(client: string, property: string): string {
  return `${client}\0${property}`;
}

/** JOBOPTSEARCHPATH: directories separated by `,` or `:`, as Gaudi splits it. */
export function splitSearchPath(value: string | undefined): string[] {
  if (!value) return [];
  return value.split(/[,:]+/).filter((dir) => dir !== '').map((dir) => path.normalize(dir));
}
