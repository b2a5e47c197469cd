// Splits .opts text into tokens with 1-based line and column; comments are dropped.
import { ErrorCodes } from '../errors.js';
import { JobOptionsError } from './errors.js';
import type { SourceLocation } from './types.js';

export type TokenType = 'name' | 'number' | 'string' | 'punct' | 'directive' | 'eof';

export interface Token {
  type: TokenType;
  /** The source text of the token (for strings, including quotes). */
  text: string;
  /** Decoded value: the string contents, or the number. */
  value?: string | number;
  line: number;
  column: number;
  /** Line and column just after the token. */
  endLine: number;
  endColumn: number;
}

const PUNCTUATION = ['+=', '-=', '=', '{', '}', '[', ']', ',', ':', ';', '@', '*', '-', '+'];
const NAME_START = /[A-Za-z_]/;
const NAME = /[A-Za-z_][A-Za-z0-9_]*(?:(?:\.|::)[A-Za-z_][A-Za-z0-9_]*)*/y;
const NUMBER = /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const ESCAPES: Record<string, string> = {
  n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', '0': '\0',
  '\\': '\\', '"': '"', "'": "'", '/': '/',
};

export function tokenize(text: string, file: string): Token[] {
  const tokens: Token[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let lineStart = i;
  const fail = (detail: string, at: number, atLine = line, atLineStart = lineStart): never => {
    const location: SourceLocation = { file, line: atLine, column: at - atLineStart + 1 };
    throw new JobOptionsError(ErrorCodes.ERR_COWLOOP_OPTIONS_SYNTAX, detail, location, { source: text });
  };
  const push = (type: TokenType, start: number, end: number, value?: string | number): void => {
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
      i = readString(text, i, c, push, fail);
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
      const end = i + m[0].length;
      const after = text[end] ?? '';
      if (NAME_START.test(after) || /[0-9.]/.test(after)) {
        fail(
          `malformed number '${m[0]}${after}': a number must be followed by a separator; write units as ${m[0]}*Unit`,
          end,
        );
      }
      push('number', i, end, Number(m[0]));
      i = end;
      continue;
    }
    if (NAME_START.test(c)) {
      NAME.lastIndex = i;
      const m = NAME.exec(text)!;
      const end = i + m[0].length;
      if (text[end] === '.' || text[end] === ':' && text[end + 1] === ':') {
        fail(`expected an identifier after '${text[end] === '.' ? '.' : '::'}' in the name '${m[0]}'`, end);
      }
      push('name', i, end, m[0]);
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

function readString(
  text: string,
  start: number,
  quote: string,
  push: (type: TokenType, start: number, end: number, value?: string | number) => void,
  fail: (detail: string, at: number) => never,
): number {
  let value = '';
  let i = start + 1;
  for (;;) {
    const c = text[i];
    if (c === undefined || c === '\n' || (c === '\r' && text[i + 1] === '\n')) {
      fail(`unterminated string: expected a closing ${quote} before the end of the line`, start);
    }
    if (c === quote) break;
    if (c === '\\') {
      const e = text[i + 1] ?? '';
      if (e in ESCAPES) {
        value += ESCAPES[e];
        i += 2;
        continue;
      }
      if (e === 'u' || e === 'x') {
        const digits = e === 'u' ? 4 : 2;
        const hex = text.slice(i + 2, i + 2 + digits);
        if (hex.length !== digits || !/^[0-9A-Fa-f]+$/.test(hex)) {
          fail(`expected ${digits} hexadecimal digits after '\\${e}'`, i);
        }
        value += String.fromCharCode(parseInt(hex, 16));
        i += 2 + digits;
        continue;
      }
      fail(
        `unknown escape '\\${e}' in a string: expected one of \\n \\t \\r \\b \\f \\v \\0 \\\\ \\" \\' \\/ \\xHH \\uHHHH (write \\\\ for a backslash)`,
        i,
      );
    }
    value += c;
    i++;
  }
  push('string', start, i + 1, value);
  return i + 1;
}
