// Runs the statements of one .opts file against the reading state: resolves units and
// copies, applies `=`, `+=`, `-=`, follows includes and conditionals. `@` references are
// kept as PendingReference and resolved by resolveReferences once every file is read.
import { ErrorCodes } from '../errors.js';
import type { Statement, ValueNode } from './ast.js';
import { JobOptionsError } from './errors.js';
import { formatJobOptions, formatValue } from './format.js';
import { didYouMean } from './names.js';
import { parseOpts } from './parser.js';
import { copyKeyTexts, markEmptyBraces, markOptsMap, NumberText, plainValue, setKeyText, stdToString, type SpelledValue } from './spelling.js';
import { deferredKey, PendingReference, type DeferredOperation, type DeferredValue, type ReadState } from './state.js';
import type { OptionValue, SourceLocation } from './types.js';
import { appendValue, cloneValue, formatNumberText, mapKey, OperationProblem, removeValue, setEntry } from './values.js';

/** Hooks the evaluator uses for files it does not read itself. */
export interface IncludeHandler {
  include(state: ReadState, name: string, from: SourceLocation, source: string): void;
  units(state: ReadState, name: string, from: SourceLocation, source: string): void;
}

export function evaluateOpts(state: ReadState, text: string, file: string, files: IncludeHandler): void {
  const statements = parseOpts(text, file);
  state.trace(`reading ${file}`);
  state.trees.push({ file, statements });
  new Evaluator(state, text, files).run(statements);
}

class Evaluator {
  constructor(
    private readonly state: ReadState,
    private readonly source: string,
    private readonly files: IncludeHandler,
  ) {}

  run(statements: Statement[]): void {
    for (const statement of statements) {
      switch (statement.kind) {
        case 'assign':
          this.assign(statement);
          break;
        case 'include':
          this.files.include(this.state, statement.path, statement.location, this.source);
          break;
        case 'units':
          this.files.units(this.state, statement.path, statement.location, this.source);
          break;
        case 'conditional': {
          const defined = this.state.isDefined(statement.name);
          this.run(defined !== statement.negate ? statement.then : statement.otherwise);
          break;
        }
        case 'pragma-print':
          this.state.printing = statement.on;
          break;
        case 'pragma-tree':
          this.state.printTree = true;
          break;
        case 'dump-file':
          this.state.dumpFile = { path: statement.path, location: statement.location, source: this.source };
          break;
        case 'print-options':
          if (statement.full) {
            this.state.printAll = true;
          } else if (this.state.printing) {
            const where = statement.location;
            this.state.sink(`// #printOptions at ${where.file}:${where.line}:${where.column}`);
            const text = formatJobOptions(this.state.catalogue);
            for (const line of text.split('\n').slice(0, -1)) this.state.sink(line);
          }
          break;
      }
    }
  }

  assign(statement: Extract<Statement, { kind: 'assign' }>): void {
    const { client, property, operator, location } = statement;
    const key = `${client}.${property}`;
    const value = this.resolve(statement.value, key);
    const catalogue = this.state.catalogue;
    const waiting = deferredKey(client, property);
    const log = this.state.deferred.get(waiting);
    this.state.fromOptsText.add(waiting);
    const operation: DeferredOperation = { operator, value, location, source: this.source };
    if (hasPending(value) || (log && operator !== '=')) {
      // The value depends on a reference: replay the operations once every file is read.
      if (operator === '=' || !log) {
        const current = operator === '=' ? undefined : catalogue.spelled(client, property);
        const start: DeferredOperation[] = current === undefined ? [] : [{ ...operation, operator: '=', value: current }];
        this.state.deferred.set(waiting, [...start, operation]);
        catalogue.set(client, property, placeholder(operator === '=' ? value : current ?? value), location);
      } else {
        log.push(operation);
        catalogue.setSpelled(client, property, catalogue.spelled(client, property)!, location);
      }
      this.state.trace(`${key} ${operator} ${formatValue(placeholder(value))};`, location);
      return;
    }
    this.state.deferred.delete(waiting);
    let result = value as SpelledValue;
    if (operator !== '=') {
      try {
        const current = catalogue.spelled(client, property);
        result = operator === '+=' ? appendValue(key, current, result) : removeValue(key, current, result);
      } catch (error) {
        if (!(error instanceof OperationProblem)) throw error;
        throw new JobOptionsError(ErrorCodes.ERR_COWLOOP_OPTIONS_OPERATION, error.message, location, {
          source: this.source,
        });
      }
    }
    catalogue.setSpelled(client, property, result, location);
    this.state.trace(`${key} ${operator} ${formatValue(plainValue(value as SpelledValue))};`, location);
  }

  resolve(node: ValueNode, key: string): DeferredValue {
    switch (node.kind) {
      case 'string':
      case 'boolean':
        return node.value;
      case 'number': {
        if (!node.unit) return spelledNumber(node.value, node.text);
        const factor = this.state.units.get(node.unit.name);
        if (factor === undefined) {
          const known = [...this.state.units.keys()];
          let hint = known.length === 0 ? '; no #units file has been read before this line' : didYouMean(node.unit.name, known);
          if (/^[+-]?0$/.test(node.text) && /^[xX][0-9A-Fa-f]+$/.test(node.unit.name)) {
            hint += `: .opts numbers are decimal (Gaudi reads 0${node.unit.name} as 0 times a unit ${node.unit.name})`;
          }
          throw new JobOptionsError(
            ErrorCodes.ERR_COWLOOP_OPTIONS_UNITS,
            `unknown unit '${node.unit.name}' in the value of ${key}${hint}`,
            node.unit.location,
            { source: this.source },
          );
        }
        return withUnit(Number(node.value), factor);
      }
      case 'list': {
        const list = node.items.map((item) => this.resolve(item, key));
        if (node.braces && list.length === 0) markEmptyBraces(list);
        return list;
      }
      case 'map': {
        const map: { [name: string]: DeferredValue } = {};
        markOptsMap(map);
        for (const entry of node.entries) {
          const resolved = this.resolve(entry.key, key) as string | number | bigint | boolean | NumberText;
          const name = resolved instanceof NumberText ? resolved.value : resolved;
          const text = typeof name === 'string' ? name : mapKey(name);
          // As in Gaudi's C++ reader, the first of two equal keys wins.
          if (Object.hasOwn(map, text)) continue;
          setEntry(map, text, this.resolve(entry.value, key));
          // Gaudi's catalogue keeps a number key as written and a boolean key as 1 or 0.
          if (resolved instanceof NumberText) setKeyText(map, text, resolved.text);
          else if (typeof name === 'boolean') setKeyText(map, text, name ? '1' : '0');
          else if (typeof name !== 'string') setKeyText(map, text, formatNumberText(name));
        }
        return map;
      }
      case 'reference':
        return new PendingReference(node.client, node.property, node.location, this.source);
      case 'copy': {
        const entry = this.state.catalogue.get(node.client, node.property);
        const target = `${node.client}.${node.property}`;
        if (!entry) {
          const known = this.state.catalogue.entries().map((e) => `${e.client}.${e.property}`);
          throw new JobOptionsError(
            ErrorCodes.ERR_COWLOOP_OPTIONS_REFERENCE,
            `${target} in the value of ${key} has not been set before this line${didYouMean(target, known)}: a bare Client.Property copies the value set so far; write @${target} for its value once every file is read, or quote a string ("${target}")`,
            node.location,
            { source: this.source },
          );
        }
        const log = this.state.deferred.get(deferredKey(node.client, node.property));
        if (log) return new PendingReference(node.client, node.property, node.location, this.source, [...log]);
        return cloneValue(this.state.catalogue.spelled(node.client, node.property)!);
      }
    }
  }
}

/**
 * A number times its unit, as Gaudi's C++ reader stores it: the product printed with six
 * decimals (std::to_string), so 1*fm with mm = 1 is 0, and 5*GeV is the text 5000.000000.
 */
function withUnit(value: number, factor: number): SpelledValue {
  const product = value * factor;
  if (!Number.isFinite(product)) return product;
  const text = stdToString(product);
  return spelledNumber(Number(text), text);
}

/** A number, with its text only when Gaudi's differs from how the value prints anyway. */
function spelledNumber(value: number | bigint, text: string): SpelledValue {
  return formatNumberText(value) === text ? value : new NumberText(value, text);
}

function isDeferredMap(value: DeferredValue): value is { [key: string]: DeferredValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof NumberText) && !(value instanceof PendingReference);
}

function hasPending(value: DeferredValue): boolean {
  if (value instanceof PendingReference) return true;
  if (Array.isArray(value)) return value.some(hasPending);
  if (isDeferredMap(value)) return Object.values(value).some(hasPending);
  return false;
}

/** What the catalogue holds until references are resolved: `@Client.Property` as text. */
function placeholder(value: DeferredValue): OptionValue {
  if (value instanceof PendingReference) return `@${value.client}.${value.property}`;
  if (value instanceof NumberText) return value.value;
  if (Array.isArray(value)) return value.map(placeholder);
  if (isDeferredMap(value)) {
    const map: { [key: string]: OptionValue } = {};
    for (const [k, v] of Object.entries(value)) setEntry(map, k, placeholder(v));
    return map;
  }
  return value;
}

/**
 * Gives every property that waits for a reference its value, once every file is read: a
 * reference takes the final value of its target (itself resolved first if it waits too).
 */
export function resolveReferences(state: ReadState): void {
  const done = new Map<string, SpelledValue>();
  const open: string[] = [];
  const catalogue = state.catalogue;

  const finalValue = (client: string, property: string, via: PendingReference, inKey: string): SpelledValue => {
    const waiting = deferredKey(client, property);
    const known = done.get(waiting);
    if (known !== undefined) return known;
    const log = state.deferred.get(waiting);
    if (log) return settle(client, property, log);
    const entry = catalogue.get(client, property);
    if (!entry) {
      const target = `${client}.${property}`;
      const names = catalogue.entries().map((e) => `${e.client}.${e.property}`);
      throw new JobOptionsError(
        ErrorCodes.ERR_COWLOOP_OPTIONS_REFERENCE,
        `unknown reference @${target} in the value of ${inKey}: ${target} is not set in any file read${didYouMean(target, names)}`,
        via.location,
        { source: via.source },
      );
    }
    return catalogue.spelled(client, property)!;
  };

  const substitute = (value: DeferredValue, inKey: string): SpelledValue => {
    if (value instanceof PendingReference) {
      if (value.snapshot) return replay(value.snapshot, `${value.client}.${value.property}`);
      return cloneValue(finalValue(value.client, value.property, value, inKey));
    }
    if (Array.isArray(value)) return value.length === 0 ? cloneValue(value as SpelledValue[]) : value.map((item) => substitute(item, inKey));
    if (isDeferredMap(value)) {
      const map: { [key: string]: SpelledValue } = {};
      for (const [k, v] of Object.entries(value)) setEntry(map, k, substitute(v, inKey));
      copyKeyTexts(value, map);
      return map;
    }
    return value;
  };

  const replay = (log: DeferredOperation[], key: string): SpelledValue => {
    let result: SpelledValue | undefined;
    for (const operation of log) {
      const value = substitute(operation.value, key);
      try {
        if (operation.operator === '=') result = value;
        else result = operation.operator === '+=' ? appendValue(key, result, value) : removeValue(key, result, value);
      } catch (error) {
        if (!(error instanceof OperationProblem)) throw error;
        throw new JobOptionsError(ErrorCodes.ERR_COWLOOP_OPTIONS_OPERATION, error.message, operation.location, {
          source: operation.source,
        });
      }
    }
    return result!;
  };

  const settle = (client: string, property: string, log: DeferredOperation[]): SpelledValue => {
    const waiting = deferredKey(client, property);
    const key = `${client}.${property}`;
    if (open.includes(waiting)) {
      const chain = [...open.slice(open.indexOf(waiting)), waiting].map((k) => `@${k.replace('\0', '.')}`).join(' -> ');
      const first = log[0]!;
      throw new JobOptionsError(
        ErrorCodes.ERR_COWLOOP_OPTIONS_REFERENCE,
        `the references ${chain} go round in a circle: none of them has a value`,
        first.location,
        { source: first.source },
      );
    }
    open.push(waiting);
    const value = replay(log, key);
    open.pop();
    done.set(waiting, value);
    return value;
  };

  for (const [waiting, log] of state.deferred) {
    const [client, property] = waiting.split('\0') as [string, string];
    const value = settle(client, property, log);
    const entry = catalogue.get(client, property)!;
    catalogue.setSpelled(client, property, value, entry.location);
  }
  state.deferred.clear();
}

/** One line per statement, indented by nesting: what `#pragma printtree` prints. */
export function describeStatements(statements: Statement[], depth = 0): string[] {
  const lines: string[] = [];
  const pad = '  '.repeat(depth);
  for (const s of statements) {
    const at = `line="${s.location.line}" column="${s.location.column}"`;
    switch (s.kind) {
      case 'assign':
        lines.push(`${pad}<assign ${at} property="${s.client}.${s.property}" operator="${s.operator}"/>`);
        break;
      case 'include':
      case 'units':
        lines.push(`${pad}<${s.kind} ${at} value=${JSON.stringify(s.path)}/>`);
        break;
      case 'conditional':
        lines.push(`${pad}<condition ${at} ${s.negate ? 'ifndef' : 'ifdef'}="${s.name}">`);
        lines.push(...describeStatements(s.then, depth + 1));
        if (s.otherwise.length > 0) {
          lines.push(`${pad}<else>`);
          lines.push(...describeStatements(s.otherwise, depth + 1));
        }
        lines.push(`${pad}</condition>`);
        break;
      default:
        lines.push(`${pad}<${s.kind} ${at}/>`);
    }
  }
  return lines;
}
