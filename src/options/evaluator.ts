// Runs the statements of one .opts file against the reading state: resolves units and
// references, applies `=`, `+=`, `-=`, follows includes and conditionals.
import { ErrorCodes } from '../errors.js';
import type { Statement, ValueNode } from './ast.js';
import { JobOptionsError } from './errors.js';
import { formatJobOptions, formatValue } from './format.js';
import { didYouMean } from './names.js';
import { parseOpts } from './parser.js';
import type { ReadState } from './state.js';
import type { OptionValue, SourceLocation } from './types.js';
import { appendValue, cloneValue, OperationProblem, removeValue, setEntry } from './values.js';

/** Hooks the evaluator uses for files it does not read itself. */
export interface IncludeHandler {
  include(state: ReadState, name: string, from: SourceLocation, source: string): void;
  units(state: ReadState, name: string, from: SourceLocation, source: string): void;
}

export function evaluateOpts(state: ReadState, text: string, file: string, files: IncludeHandler): void {
  const statements = parseOpts(text, file);
  state.trace(`reading ${file}`);
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
        case 'print-options':
          if (this.state.printing) {
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
    let result = value;
    if (operator !== '=') {
      try {
        const current = catalogue.get(client, property)?.value;
        result = operator === '+=' ? appendValue(key, current, value) : removeValue(key, current, value);
      } catch (error) {
        if (!(error instanceof OperationProblem)) throw error;
        throw new JobOptionsError(ErrorCodes.ERR_COWLOOP_OPTIONS_OPERATION, error.message, location, {
          source: this.source,
        });
      }
    }
    catalogue.set(client, property, result, location);
    this.state.trace(`${key} ${operator} ${formatValue(value)};`, location);
  }

  resolve(node: ValueNode, key: string): OptionValue {
    switch (node.kind) {
      case 'string':
      case 'boolean':
        return node.value;
      case 'number': {
        if (!node.unit) return node.value;
        const factor = this.state.units.get(node.unit.name);
        if (factor === undefined) {
          const known = [...this.state.units.keys()];
          const hint = known.length === 0 ? '; no #units file has been read before this line' : didYouMean(node.unit.name, known);
          throw new JobOptionsError(
            ErrorCodes.ERR_COWLOOP_OPTIONS_UNITS,
            `unknown unit '${node.unit.name}' in the value of ${key}${hint}`,
            node.unit.location,
            { source: this.source },
          );
        }
        return node.value * factor;
      }
      case 'list':
        return node.items.map((item) => this.resolve(item, key));
      case 'map': {
        const map: { [name: string]: OptionValue } = {};
        for (const entry of node.entries) setEntry(map, entry.key, this.resolve(entry.value, key));
        return map;
      }
      case 'reference': {
        const entry = this.state.catalogue.get(node.client, node.property);
        if (!entry) {
          const target = `${node.client}.${node.property}`;
          const known = this.state.catalogue.entries().map((e) => `${e.client}.${e.property}`);
          throw new JobOptionsError(
            ErrorCodes.ERR_COWLOOP_OPTIONS_REFERENCE,
            `unknown reference @${target} in the value of ${key}: ${target} has not been set before this line${didYouMean(target, known)}`,
            node.location,
            { source: this.source },
          );
        }
        return cloneValue(entry.value);
      }
    }
  }
}
