// `.json` job options: `{ "Client": { "Property": value } }`. A small JSON reader that
// keeps the line and column of every key, so entries and errors point into the file.
import { ErrorCodes } from '../errors.js';
import { JobOptionsError } from './errors.js';
import { formatValue } from './format.js';
import type { ReadState } from './state.js';
import type { OptionValue, SourceLocation } from './types.js';
import { setEntry } from './values.js';

type JsonNode =
  | { kind: 'value'; value: string | number | bigint | boolean | null; location: SourceLocation }
  | { kind: 'array'; items: JsonNode[]; location: SourceLocation }
  | { kind: 'object'; members: { key: string; keyLocation: SourceLocation; value: JsonNode }[]; location: SourceLocation };

export function evaluateJson(state: ReadState, text: string, file: string): void {
  const root = new JsonReader(text, file).document();
  const fail = (detail: string, location: SourceLocation): never => {
    throw new JobOptionsError(ErrorCodes.ERR_COWLOOP_OPTIONS_VALUE, detail, location, { source: text });
  };
  if (root.kind !== 'object') {
    fail(`expected an object { "Client": { "Property": value } } at the top of ${file} (found ${kindOf(root)})`, root.location);
  }
  state.trace(`reading ${file}`);
  for (const client of (root as Extract<JsonNode, { kind: 'object' }>).members) {
    if (client.value.kind !== 'object') {
      fail(
        `expected an object { "Property": value } as the options of client "${client.key}" (found ${kindOf(client.value)})`,
        client.value.location,
      );
    }
    for (const property of (client.value as Extract<JsonNode, { kind: 'object' }>).members) {
      const value = toOptionValue(property.value, `${client.key}.${property.key}`, fail);
      try {
        state.catalogue.set(client.key, property.key, value, property.keyLocation);
        state.settled(client.key, property.key);
      } catch (error) {
        // Re-raise with the excerpt of this file.
        if (error instanceof JobOptionsError) fail(error.detail, property.keyLocation);
        throw error;
      }
      state.trace(`${client.key}.${property.key} = ${formatValue(value)};`, property.keyLocation);
    }
  }
}

function toOptionValue(node: JsonNode, key: string, fail: (detail: string, location: SourceLocation) => never): OptionValue {
  switch (node.kind) {
    case 'value':
      if (node.value === null) return fail(`null is not a valid value for ${key}: expected a number, string, boolean, list or map`, node.location);
      return node.value;
    case 'array':
      return node.items.map((item) => toOptionValue(item, key, fail));
    case 'object': {
      const map: { [name: string]: OptionValue } = {};
      for (const member of node.members) setEntry(map, member.key, toOptionValue(member.value, key, fail));
      return map;
    }
  }
}

function kindOf(node: JsonNode): string {
  if (node.kind === 'array') return 'a list';
  if (node.kind === 'object') return 'an object';
  return node.value === null ? 'null' : `a ${typeof node.value}`;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** An integer beyond 2^53 stays exact as a bigint, as in .opts text. */
function jsonNumber(literal: string): number | bigint {
  const n = Number(literal);
  return /^-?\d+$/.test(literal) && !Number.isSafeInteger(n) ? BigInt(literal) : n;
}
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

class JsonReader {
  #i = 0;
  #line = 1;
  #lineStart = 0;

  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {
    if (text.charCodeAt(0) === 0xfeff) this.#i = this.#lineStart = 1;
  }

  document(): JsonNode {
    const node = this.#value('the options');
    this.#space();
    if (this.#i < this.text.length) this.#fail('expected the end of the file after the top-level object');
    return node;
  }

  #value(what: string): JsonNode {
    this.#space();
    const location = this.#here();
    const c = this.text[this.#i];
    if (c === '{') return this.#object(location);
    if (c === '[') return this.#array(location, what);
    if (c === '"') return { kind: 'value', value: this.#string(), location };
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.text.startsWith(word, this.#i)) {
        this.#i += word.length;
        return { kind: 'value', value, location };
      }
    }
    NUMBER.lastIndex = this.#i;
    const m = NUMBER.exec(this.text);
    if (m) {
      this.#i += m[0].length;
      return { kind: 'value', value: jsonNumber(m[0]), location };
    }
    return this.#fail(`expected a value for ${what}: an object, array, string, number, true or false`);
  }

  #object(location: SourceLocation): JsonNode {
    this.#i++; // {
    const members: { key: string; keyLocation: SourceLocation; value: JsonNode }[] = [];
    this.#space();
    if (this.text[this.#i] === '}') {
      this.#i++;
      return { kind: 'object', members, location };
    }
    for (;;) {
      this.#space();
      const keyLocation = this.#here();
      if (this.text[this.#i] !== '"') this.#fail('expected a key in double quotes');
      const key = this.#string();
      this.#space();
      if (this.text[this.#i] !== ':') this.#fail(`expected ':' after the key "${key}"`);
      this.#i++;
      members.push({ key, keyLocation, value: this.#value(`"${key}"`) });
      const after = this.#here();
      this.#space();
      const c = this.text[this.#i];
      this.#i++;
      if (c === '}') return { kind: 'object', members, location };
      if (c !== ',') {
        this.#i--;
        this.#fail(`expected ',' or '}' after the value of "${key}"`, after);
      }
    }
  }

  #array(location: SourceLocation, what: string): JsonNode {
    this.#i++; // [
    const items: JsonNode[] = [];
    this.#space();
    if (this.text[this.#i] === ']') {
      this.#i++;
      return { kind: 'array', items, location };
    }
    for (;;) {
      items.push(this.#value(`an element of ${what}`));
      const after = this.#here();
      this.#space();
      const c = this.text[this.#i];
      this.#i++;
      if (c === ']') return { kind: 'array', items, location };
      if (c !== ',') {
        this.#i--;
        this.#fail(`expected ',' or ']' in the array of ${what}`, after);
      }
    }
  }

  #string(): string {
    const start = this.#here();
    let value = '';
    this.#i++; // opening quote
    for (;;) {
      const c = this.text[this.#i];
      if (c === undefined || c === '\n') {
        throw new JobOptionsError(ErrorCodes.ERR_COWLOOP_OPTIONS_SYNTAX, 'unterminated string: expected a closing "', start, {
          source: this.text,
        });
      }
      if (c === '"') {
        this.#i++;
        return value;
      }
      if (c === '\\') {
        const e = this.text[this.#i + 1] ?? '';
        if (e in ESCAPES) {
          value += ESCAPES[e];
          this.#i += 2;
          continue;
        }
        const hex = this.text.slice(this.#i + 2, this.#i + 6);
        if (e === 'u' && /^[0-9A-Fa-f]{4}$/.test(hex)) {
          value += String.fromCharCode(parseInt(hex, 16));
          this.#i += 6;
          continue;
        }
        this.#fail(`invalid escape '\\${e}' in a JSON string`);
      }
      value += c;
      this.#i++;
    }
  }

  #space(): void {
    for (;;) {
      const c = this.text[this.#i];
      if (c === '\n') {
        this.#i++;
        this.#line++;
        this.#lineStart = this.#i;
      } else if (c === ' ' || c === '\t' || c === '\r') {
        this.#i++;
      } else {
        return;
      }
    }
  }

  #here(): SourceLocation {
    return { file: this.file, line: this.#line, column: this.#i - this.#lineStart + 1 };
  }

  /**
   * Fails at the current character, or at `after` (just after the previous value) when the
   * current character is on a later line: that is where the missing piece belongs.
   */
  #fail(detail: string, after?: SourceLocation): never {
    const c = this.text[this.#i];
    const found = c === undefined ? 'the end of the file' : c === '"' ? 'a string' : `'${c}'`;
    const here = this.#here();
    const location = after && after.line !== here.line ? after : here;
    throw new JobOptionsError(ErrorCodes.ERR_COWLOOP_OPTIONS_SYNTAX, `${detail} (found ${found})`, location, {
      source: this.text,
    });
  }
}
