// What one reading of job options carries from file to file: the catalogue being built,
// the defined names, the units, the print switch and the chain of open includes.
import * as path from 'node:path';
import { JobOptionsCatalogue } from './catalogue.js';
import { formatLocation } from './errors.js';
import type { SourceLocation } from './types.js';

export interface ReadOptions {
  /** Names that `#ifdef` sees as defined (like `-D NAME`). */
  defines?: string[];
  /** Where `#printOptions` and the echo of assignments go (default: stdout). */
  print?: (line: string) => void;
  /** Echo each file read and each assignment to `print` while `#pragma print` is on. */
  echo?: boolean;
}

export interface OpenFile {
  /** The file as shown in messages (relative paths stay relative). */
  display: string;
  /** Absolute path, to detect include cycles. */
  resolved: string;
}

export class ReadState {
  readonly catalogue = new JobOptionsCatalogue();
  readonly defines: Set<string>;
  readonly units = new Map<string, number>();
  readonly sink: (line: string) => void;
  readonly echo: boolean;
  /** `#pragma print on|off`; applies to everything read after it. */
  printing = true;
  readonly stack: OpenFile[] = [];

  constructor(options: ReadOptions = {}) {
    this.defines = new Set(options.defines ?? []);
    this.sink = options.print ?? ((line: string) => void process.stdout.write(`${line}\n`));
    this.echo = options.echo ?? false;
  }

  /** True for a `-D` name, a set `Client.Property`, or a client with any property set. */
  isDefined(name: string): boolean {
    if (this.defines.has(name)) return true;
    if (this.catalogue.clients().includes(name)) return true;
    const dot = name.lastIndexOf('.');
    return dot > 0 && this.catalogue.has(name.slice(0, dot), name.slice(dot + 1));
  }

  /** Where an included file is: relative to the including file, after `$VAR` expansion. */
  static includedPath(name: string, from: string): string {
    if (path.isAbsolute(name) || from.startsWith('<')) return name;
    return path.join(path.dirname(from), name);
  }

  /** The cycle `a -> b -> a` if `resolved` is already open, else undefined. */
  cycleTo(resolved: string, display: string): string | undefined {
    const index = this.stack.findIndex((f) => f.resolved === resolved);
    if (index < 0) return undefined;
    return [...this.stack.slice(index).map((f) => f.display), display].join(' -> ');
  }

  trace(line: string, location?: SourceLocation): void {
    if (this.echo && this.printing) this.sink(location ? `// ${formatLocation(location)}: ${line}` : `// ${line}`);
  }
}
