// Parses the tokens of one .opts file into statements. Pure syntax: nothing is resolved
// and nothing is evaluated here.
import { ErrorCodes } from '../errors.js';
import type { AssignOperator, Statement, ValueNode } from './ast.js';
import { JobOptionsError } from './errors.js';
import { tokenize, type Token } from './lexer.js';
import { didYouMean, PROPERTY_NAME, splitKey } from './names.js';
import type { SourceLocation } from './types.js';

const DIRECTIVES = ['include', 'units', 'ifdef', 'ifndef', 'else', 'endif', 'pragma', 'printOptions'];
const CLOSING: Record<string, ']' | ')' | '}'> = { '[': ']', '(': ')', '{': '}' };

export function parseOpts(text: string, file: string): Statement[] {
  return new Parser(text, file).parseFile();
}

interface OpenConditional {
  statement: Extract<Statement, { kind: 'conditional' }>;
  inElse: boolean;
  elseSeen: boolean;
}

class Parser {
  readonly #text: string;
  readonly #file: string;
  readonly #tokens: Token[];
  #at = 0;

  constructor(text: string, file: string) {
    this.#text = text;
    this.#file = file;
    this.#tokens = tokenize(text, file);
  }

  parseFile(): Statement[] {
    const top: Statement[] = [];
    const open: OpenConditional[] = [];
    const target = (): Statement[] => {
      const innermost = open[open.length - 1];
      if (!innermost) return top;
      return innermost.inElse ? innermost.statement.otherwise : innermost.statement.then;
    };
    for (;;) {
      const token = this.#peek();
      if (token.type === 'eof') break;
      if (token.type === 'directive') {
        this.#next();
        const name = token.value as string;
        const location = this.#location(token);
        switch (name) {
          case 'include':
          case 'units':
            target().push({ kind: name, path: this.#expectFileName(token), location });
            break;
          case 'ifdef':
          case 'ifndef': {
            const symbol = this.#next();
            if (symbol.type !== 'name') this.#fail(`expected a name after #${name}, e.g. #${name} DEBUG`, symbol, token);
            const statement: OpenConditional['statement'] = {
              kind: 'conditional',
              name: symbol.value as string,
              negate: name === 'ifndef',
              then: [],
              otherwise: [],
              location,
            };
            target().push(statement);
            open.push({ statement, inElse: false, elseSeen: false });
            break;
          }
          case 'else': {
            const innermost = open[open.length - 1];
            if (!innermost) this.#failAt('#else without a matching #ifdef or #ifndef', location);
            if (innermost!.elseSeen) {
              this.#failAt(
                `a second #else for the #if${innermost!.statement.negate ? 'n' : ''}def at line ${innermost!.statement.location.line}: expected #endif`,
                location,
              );
            }
            innermost!.inElse = true;
            innermost!.elseSeen = true;
            break;
          }
          case 'endif':
            if (!open.pop()) this.#failAt('#endif without a matching #ifdef or #ifndef', location);
            break;
          case 'pragma':
            target().push(this.#parsePragma(token));
            break;
          case 'printOptions': {
            const full = this.#peek().type === 'name' && this.#peek().value === 'full' && this.#peek().line === token.line;
            if (full) this.#next();
            target().push({ kind: 'print-options', full, location });
            break;
          }
          default:
            this.#failAt(
              `unknown directive #${name}${didYouMean(name, DIRECTIVES)}: expected one of ${DIRECTIVES.map((d) => `#${d}`).join(', ')}`,
              location,
            );
        }
        continue;
      }
      target().push(this.#parseAssignment());
    }
    const unclosed = open[open.length - 1];
    if (unclosed) {
      const s = unclosed.statement;
      this.#failAt(
        `#if${s.negate ? 'n' : ''}def ${s.name} is not closed: expected #endif before the end of the file`,
        s.location,
      );
    }
    return top;
  }

  #parsePragma(directive: Token): Statement {
    const what = this.#next();
    const word = what.type === 'name' ? String(what.value) : '';
    const location = this.#location(directive);
    if (word.toLowerCase() === 'printtree') return { kind: 'pragma-tree', location };
    if (word === 'dumpfile') return { kind: 'dump-file', path: this.#expectFileName(what), location };
    if (word !== 'print') {
      this.#fail("expected 'print on|off', 'printtree' or 'dumpfile \"file\"' after #pragma", what, directive);
    }
    const state = this.#next();
    const value = state.type === 'name' ? String(state.value).toLowerCase() : '';
    if (value !== 'on' && value !== 'off') this.#fail("expected 'on' or 'off' after #pragma print", state, what);
    return { kind: 'pragma-print', on: value === 'on', location };
  }

  #expectFileName(directive: Token): string {
    const token = this.#next();
    if (token.type !== 'string') {
      this.#fail(`expected a file name in quotes after ${directive.text}, e.g. ${directive.text} "common.opts"`, token, directive);
    }
    return token.value as string;
  }

  #parseAssignment(): Statement {
    const keyToken = this.#next();
    if (keyToken.type !== 'name') {
      this.#fail(
        `expected an assignment 'Client.Property = value;' or a directive such as #include (found ${describeToken(keyToken)})`,
        keyToken,
      );
    }
    const key = keyToken.value as string;
    const split = splitKey(key);
    if (!split) {
      this.#fail(
        `expected 'Client.Property' but '${key}' has no property part: write ${key}.Property = value;`,
        keyToken,
      );
    }
    if (!PROPERTY_NAME.test(split!.property)) {
      this.#fail(`the property name '${split!.property}' of ${split!.client} is not an identifier`, keyToken);
    }
    const opToken = this.#next();
    if (opToken.type !== 'punct' || !['=', '+=', '-='].includes(opToken.text)) {
      this.#fail(`expected '=', '+=' or '-=' after ${key} (found ${describeToken(opToken)})`, opToken, keyToken);
    }
    const value = this.#parseValue(key, opToken);
    const end = this.#next();
    if (end.type !== 'punct' || end.text !== ';') {
      this.#fail(`expected ';' after the value of ${key} (found ${describeToken(end)})`, end, this.#previous(end));
    }
    return {
      kind: 'assign',
      client: split!.client,
      property: split!.property,
      operator: opToken.text as AssignOperator,
      value,
      location: this.#location(keyToken),
    };
  }

  #parseValue(key: string, before: Token): ValueNode {
    const token = this.#next();
    const location = this.#location(token);
    if (token.type === 'string') return { kind: 'string', value: token.value as string, location };
    if (token.type === 'number') {
      return this.#parseUnit({ kind: 'number', value: token.value as number | bigint, text: numberText(token), location });
    }
    if (token.type === 'punct' && (token.text === '-' || token.text === '+')) {
      const number = this.#next();
      if (number.type !== 'number') this.#fail(`expected a number after '${token.text}' in the value of ${key}`, number, token);
      // As in Gaudi's grammar, the sign is part of the number: nothing may come between.
      if (number.line !== token.endLine || number.column !== token.endColumn) {
        this.#fail(`expected the number right after '${token.text}' in the value of ${key}: write ${token.text}${number.text}, without a space`, number, token);
      }
      const magnitude = number.value as number | bigint;
      const value = token.text === '-' ? negate(magnitude) : magnitude;
      return this.#parseUnit({ kind: 'number', value, text: token.text + numberText(number), location });
    }
    if (token.type === 'name') {
      const word = token.text.toLowerCase();
      if (word === 'true') return { kind: 'boolean', value: true, location };
      if (word === 'false') return { kind: 'boolean', value: false, location };
      const split = splitKey(token.value as string);
      if (split) return { kind: 'copy', client: split.client, property: split.property, location };
      this.#fail(
        `expected a value for ${key} but found the bare word '${token.text}': strings need quotes ("${token.text}") and references an '@' (@Client.Property)`,
        token,
      );
    }
    if (token.type === 'punct' && token.text === '@') {
      const target = this.#next();
      const split = target.type === 'name' ? splitKey(target.value as string) : undefined;
      // Gaudi's grammar allows spaces and comments between `@` and the name.
      if (!split) {
        this.#fail(`expected 'Client.Property' after '@' in the value of ${key}`, target, token);
      }
      return { kind: 'reference', client: split!.client, property: split!.property, location };
    }
    if (token.type === 'punct' && token.text === '{') return this.#parseBraces(key, location);
    if (token.type === 'punct' && (token.text === '[' || token.text === '(')) {
      return this.#parseListRest(key, location, CLOSING[token.text]!);
    }
    return this.#fail(
      `expected a value for ${key}: a number, a string, true/false, a list { ... }, ( ... ) or [ ... ], a map { key: value } or @Client.Property (found ${describeToken(token)})`,
      token,
      before,
    );
  }

  /** A unit after a number: `5*GeV`, `5 * GeV` or, as in Gaudi, `5 GeV` and `5GeV`. */
  #parseUnit(node: Extract<ValueNode, { kind: 'number' }>): ValueNode {
    const next = this.#peek();
    const star = next.type === 'punct' && next.text === '*';
    if (!star && !(next.type === 'name' && isUnitName(next.text))) return node;
    if (star) this.#next();
    const unit = this.#next();
    if (unit.type !== 'name' || !isUnitName(unit.text)) {
      this.#fail(`expected a unit name after '*', e.g. 5*GeV`, unit, next);
    }
    node.unit = { name: unit.text, location: this.#location(unit) };
    return node;
  }

  #parseBraces(key: string, location: SourceLocation): ValueNode {
    const first = this.#peek();
    if (first.type === 'punct' && first.text === '}') {
      this.#next();
      return { kind: 'list', items: [], braces: true, location };
    }
    // `{:}` is the empty map, so that every value can be written back as text.
    if (first.type === 'punct' && first.text === ':' && this.#tokens[this.#at + 1]?.text === '}') {
      this.#next();
      this.#next();
      return { kind: 'map', entries: [], location };
    }
    const firstValue = this.#parseValue(key, first);
    const colon = this.#peek();
    if (colon.type === 'punct' && colon.text === ':') return this.#parseMapRest(key, firstValue, location);
    return this.#parseListRest(key, location, '}', firstValue);
  }

  /** The rest of a list after its opening bracket (and first element, if already read). */
  #parseListRest(key: string, location: SourceLocation, close: '}' | ']' | ')', first?: ValueNode): ValueNode {
    const items: ValueNode[] = [];
    if (first) {
      items.push(first);
    } else {
      const next = this.#peek();
      if (next.type === 'punct' && next.text === close) {
        this.#next();
        return { kind: 'list', items, location };
      }
      items.push(this.#parseValue(key, this.#tokens[this.#at - 1]!));
    }
    for (;;) {
      const sep = this.#next();
      if (sep.type === 'punct' && sep.text === close) return { kind: 'list', items, location };
      if (sep.type !== 'punct' || sep.text !== ',') {
        this.#fail(`expected ',' or '${close}' in the list value of ${key} (found ${describeToken(sep)})`, sep, this.#previous(sep));
      }
      const next = this.#peek();
      if (next.type === 'punct' && next.text === close) continue; // trailing comma
      items.push(this.#parseValue(key, sep));
    }
  }

  #parseMapRest(key: string, firstKey: ValueNode, location: SourceLocation): ValueNode {
    const entries: { key: ValueNode; value: ValueNode }[] = [];
    let keyNode = firstKey;
    for (;;) {
      if (keyNode.kind !== 'string' && keyNode.kind !== 'number' && keyNode.kind !== 'boolean') {
        this.#failAt(`expected a string, number or boolean key in the map value of ${key}, e.g. { "name": value } or { 0: value }`, keyNode.location);
      }
      const colon = this.#next();
      if (colon.type !== 'punct' || colon.text !== ':') {
        this.#fail(`expected ':' after the key ${describeKey(keyNode)} in the map value of ${key}`, colon, this.#previous(colon));
      }
      entries.push({ key: keyNode, value: this.#parseValue(key, colon) });
      const sep = this.#next();
      if (sep.type === 'punct' && sep.text === '}') return { kind: 'map', entries, location };
      if (sep.type !== 'punct' || sep.text !== ',') {
        this.#fail(`expected ',' or '}' in the map value of ${key} (found ${describeToken(sep)})`, sep, this.#previous(sep));
      }
      const next = this.#peek();
      if (next.type === 'punct' && next.text === '}') {
        this.#next();
        return { kind: 'map', entries, location };
      }
      keyNode = this.#parseValue(key, sep);
    }
  }

  #peek(): Token {
    return this.#tokens[this.#at]!;
  }

  #next(): Token {
    const token = this.#tokens[this.#at]!;
    if (token.type !== 'eof') this.#at++;
    return token;
  }

  /** The token before `token`. */
  #previous(token: Token): Token | undefined {
    const index = this.#tokens.indexOf(token, Math.max(0, this.#at - 2));
    return index > 0 ? this.#tokens[index - 1] : undefined;
  }

  #location(token: Token): SourceLocation {
    return { file: this.#file, line: token.line, column: token.column };
  }

  /**
   * Fails at `found` when it is on the same line as the token before it; otherwise just
   * after that earlier token, where the missing piece belongs.
   */
  #fail(detail: string, found: Token, before?: Token): never {
    if (before && found.line !== before.endLine) {
      this.#failAt(detail, { file: this.#file, line: before.endLine, column: before.endColumn });
    }
    this.#failAt(detail, this.#location(found));
  }

  #failAt(detail: string, location: SourceLocation): never {
    throw new JobOptionsError(ErrorCodes.ERR_COWLOOP_OPTIONS_SYNTAX, detail, location, { source: this.#text });
  }
}

/** A number token's text without the `L` that C++ allows after it (Gaudi drops it too). */
function numberText(token: Token): string {
  return token.text.endsWith('L') ? token.text.slice(0, -1) : token.text;
}

function negate(value: number | bigint): number | bigint {
  return -value;
}

/** A unit is one identifier (namespaces allowed), never a dotted Client.Property. */
function isUnitName(text: string): boolean {
  return !text.includes('.') && !/^(?:true|false)$/i.test(text);
}

function describeKey(node: ValueNode): string {
  if (node.kind === 'string') return JSON.stringify(node.value);
  if (node.kind === 'number' || node.kind === 'boolean') return String(node.value);
  return 'value';
}

function describeToken(token: Token): string {
  switch (token.type) {
    case 'eof':
      return 'the end of the file';
    case 'string':
      return `the string ${token.text}`;
    case 'number':
      return `the number ${token.text}`;
    case 'directive':
      return `the directive ${token.text}`;
    default:
      return `'${token.text}'`;
  }
}
