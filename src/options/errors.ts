// Errors raised while reading job options. Each one names file:line:column, shows the
// offending line with a caret under the column, and says what was expected.
import * as fs from 'node:fs';
import { CowloopError, type ErrorCode } from '../errors.js';
import type { SourceLocation } from './types.js';

export class JobOptionsError extends CowloopError {
  /** Where the problem is, when it comes from a source. */
  readonly location: SourceLocation | undefined;
  /** The message without location and excerpt, e.g. "expected ';' after the value of A.B". */
  readonly detail: string;
  /** The chain of #include / cfg.include() sites that led to the file, innermost first. */
  readonly includedFrom: SourceLocation[] = [];

  constructor(
    code: ErrorCode,
    detail: string,
    location?: SourceLocation,
    options?: { cause?: unknown; source?: string },
  ) {
    super(code, composeMessage(detail, location, options?.source), { cause: options?.cause });
    this.name = 'JobOptionsError';
    this.location = location ? { ...location } : undefined;
    this.detail = detail;
  }

  /** Records one more include site on the way out of an included file. */
  addIncludedFrom(location: SourceLocation): void {
    this.includedFrom.push({ ...location });
    this.message += `\n  (included from ${formatLocation(location)})`;
  }
}

export function formatLocation(location: SourceLocation): string {
  return `${location.file}:${location.line}:${location.column}`;
}

function composeMessage(detail: string, location: SourceLocation | undefined, source: string | undefined): string {
  if (!location) return detail;
  const head = `${formatLocation(location)}: ${detail}`;
  const excerpt = sourceExcerpt(location, source);
  return excerpt ? `${head}\n${excerpt}` : head;
}

/**
 * Two lines: the source line with its number, and a caret under the column. Tabs before
 * the column are kept so the caret lines up in a terminal.
 */
export function sourceExcerpt(location: SourceLocation, source?: string): string | undefined {
  const text = source ?? readQuietly(location.file);
  if (text === undefined || location.line < 1) return undefined;
  const line = lineAt(text, location.line);
  if (line === undefined) return undefined;
  const number = String(location.line);
  const gutter = ' '.repeat(number.length);
  const column = Math.max(1, Math.min(location.column, line.length + 1));
  const pad = line.slice(0, column - 1).replace(/[^\t]/g, ' ');
  return `  ${number} | ${line}\n  ${gutter} | ${pad}^`;
}

function lineAt(text: string, line: number): string | undefined {
  let start = 0;
  for (let n = 1; n < line; n++) {
    const next = text.indexOf('\n', start);
    if (next < 0) return undefined;
    start = next + 1;
  }
  let end = text.indexOf('\n', start);
  if (end < 0) end = text.length;
  return text.slice(start, end).replace(/\r$/, '');
}

function readQuietly(file: string): string | undefined {
  if (file.startsWith('<')) return undefined;
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
