// Splits .opts text into tokens with 1-based line and column; comments are dropped.
import { ErrorCodes } from '../errors.js';
import { JobOptionsError } from './errors.js';
import type { SourceLocation } from './types.js';

export type TokenType = 'name' | 'number' | 'string' | 'punct' | 'directive' | 'eof';

export interface Token {
  type: TokenType;
  /** The source text of the token (for strings, including quotes; for names, without spaces around dots). */
  text: string;
  /** Decoded value: the string contents, or the number (a bigint beyond 2^53). */
  value?: string | number | bigint;
  line: number;
  column: number;
  /** Line and column just after the token. */
  endLine: number;
  endColumn: number;
}

const PUNCTUATION = ['+=', '-=', '=', '{', '}', '[', ']', '(', ')', ',', ':', ';', '@', '*', '-', '+'];
const NAME_START = /[A-Za-z_]/;
// Identifiers joined by `.` or `::`, optionally starting with `::` (the global namespace).
const NAME = /(?:::)?[A-Za-z_][A-Za-z0-9_]*(?:(?:\.|::)[A-Za-z_][A-Za-z0-9_]*)*/y;
const NUMBER = /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const INTEGER = /^\d+$/;

export function tokenize(text: string, file: string): Token[] {
  const tokens: Token[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let lineStart = i;
  // A first line `#!/usr/bin/env gaudirun.py` makes the file a script; it is skipped.
  if (text.startsWith('#!', i)) {
    const end = text.indexOf('\n', i);
    i = end < 0 ? text.length : end;
  }
  const fail = (detail: string, at: number, atLine = line, atLineStart = lineStart): never => {
    const location: SourceLocation = { file, line: atLine, column: at - atLineStart + 1 };
    throw new JobOptionsError(ErrorCodes.ERR_COWLOOP_OPTIONS_SYNTAX, detail, location, { source: text });
  };
  const push = (type: TokenType, start: number, end: number, value?: string | number | bigint): void => {
    const token: Token = {
      type,
      text: text.slice(start, end),
      line,
      column: start - lineStart + 1,
      endLine: line,
      endColumn: end - lineStart + 1,
    };
    if (value !== undefined) token.value = value;
    tokens.push(token);
  };

  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const start = i;
      const startLine = line;
      const startLineStart = lineStart;
      const end = text.indexOf('*/', i + 2);
      if (end < 0) fail("unterminated comment: expected '*/' to close the '/*' opened here", start, startLine, startLineStart);
      for (let j = i; j < end; j++) {
        if (text.charCodeAt(j) === 10) {
          line++;
          lineStart = j + 1;
        }
      }
      i = end + 2;
      continue;
    }
    if (c === '"' || c === "'") {
      // Gaudi's strings: a backslash escapes only the quote that opened the string and is
      // otherwise kept as written; a string may span lines.
      const start = i;
      const startLine = line;
      const startLineStart = lineStart;
      let value = '';
      i++;
      for (;;) {
        const d = text[i];
        if (d === undefined) {
          fail(
            `unterminated string: expected a closing ${c} before the end of the file (a string may span lines; a backslash before ${c} makes it part of the string)`,
            start,
            startLine,
            startLineStart,
          );
        }
        if (d === '\\' && text[i + 1] === c) {
          value += c;
          i += 2;
          continue;
        }
        if (d === c) break;
        if (d === '\n') {
          line++;
          lineStart = i + 1;
        }
        value += d;
        i++;
      }
      i++;
      tokens.push({
        type: 'string',
        text: text.slice(start, i),
        value,
        line: startLine,
        column: start - startLineStart + 1,
        endLine: line,
        endColumn: i - lineStart + 1,
      });
      continue;
    }
    if (c === '#') {
      NAME.lastIndex = i + 1;
      const m = NAME.exec(text);
      if (!m) fail("expected a directive name after '#', e.g. #include", i);
      const end = i + 1 + m![0].length;
      push('directive', i, end, m![0]);
      i = end;
      continue;
    }
    if ((c >= '0' && c <= '9') || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text)!;
      let end = i + m[0].length;
      const after = text[end] ?? '';
      if (/[0-9.]/.test(after)) fail(`malformed number '${m[0]}${after}': expected a separator after ${m[0]}`, end);
      // A unit may follow directly (`10m`); a trailing `L` (`100L`) is dropped, as in C++.
      if (after === 'L' && !/[A-Za-z0-9_]/.test(text[end + 1] ?? '')) end++;
      push('number', i, end, numberValue(m[0]));
      i = end;
      continue;
    }
    if (NAME_START.test(c) || (c === ':' && text[i + 1] === ':' && NAME_START.test(text[i + 2] ?? ''))) {
      // As in Gaudi's grammar, spaces, line ends and comments may surround the `.` and `::`
      // of a name (`ToolSvc . Fitter . Max = 1;`); the token holds the name without them.
      const start = i;
      const startLine = line;
      const startLineStart = lineStart;
      let name = '';
      let end = i;
      for (;;) {
        NAME.lastIndex = end;
        const m = NAME.exec(text)!;
        name += m[0];
        end += m[0].length;
        const gap = skipGap(text, end, line, lineStart);
        const separator = text[gap.end] === '.' ? '.' : text.startsWith('::', gap.end) ? '::' : undefined;
        if (separator === undefined) break;
        const next = skipGap(text, gap.end + separator.length, gap.line, gap.lineStart);
        if (!NAME_START.test(text[next.end] ?? '')) {
          fail(`expected an identifier after '${separator}' in the name '${name}'`, gap.end, gap.line, gap.lineStart);
        }
        name += separator;
        end = next.end;
        line = next.line;
        lineStart = next.lineStart;
      }
      tokens.push({
        type: 'name',
        text: name,
        value: name,
        line: startLine,
        column: start - startLineStart + 1,
        endLine: line,
        endColumn: end - lineStart + 1,
      });
      i = end;
      continue;
    }
    const punct = PUNCTUATION.find((p) => text.startsWith(p, i));
    if (punct) {
      push('punct', i, i + punct.length);
      i += punct.length;
      continue;
    }
    fail(`unexpected character '${c}'`, i);
  }
  tokens.push({ type: 'eof', text: '', line, column: i - lineStart + 1, endLine: line, endColumn: i - lineStart + 1 });
  return tokens;
}

/**
 * The end of the spaces, line ends and complete comments from `at`, with the line count
 * and line start there. An unterminated comment ends the gap: the main loop reports it.
 */
function skipGap(text: string, at: number, line: number, lineStart: number): { end: number; line: number; lineStart: number } {
  let i = at;
  for (;;) {
    const c = text[i];
    if (c === '\n') {
      i++;
      line++;
      lineStart = i;
    } else if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i++;
    } else if (c === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) break;
      for (let j = i; j < end; j++) {
        if (text.charCodeAt(j) === 10) {
          line++;
          lineStart = j + 1;
        }
      }
      i = end + 2;
    } else {
      break;
    }
  }
  return { end: i, line, lineStart };
}

/** An integer literal beyond 2^53 stays exact as a bigint; anything else is a number. */
function numberValue(literal: string): number | bigint {
  const n = Number(literal);
  if (INTEGER.test(literal) && !Number.isSafeInteger(n)) return BigInt(literal);
  return n;
}
