// The JobOptions implementation: an ordered catalogue of `Client.Property` entries.
import { ErrorCodes } from '../errors.js';
import { JobOptionsError } from './errors.js';
import { CLIENT_NAME, PROPERTY_NAME } from './names.js';
import type { JobOptions, OptionEntry, OptionValue, SourceLocation } from './types.js';
import { hasSpelling, plainValue, type SpelledValue } from './spelling.js';
import { appendValue, cloneValue, OperationProblem, optionValueProblem, removeValue, setEntry } from './values.js';

const CODE_LOCATION: SourceLocation = { file: '<code>', line: 1, column: 1 };

export class JobOptionsCatalogue implements JobOptions {
  // client -> property -> entry; Map keeps the order in which each was first set.
  readonly #clients = new Map<string, Map<string, OptionEntry>>();
  // By `client\0property`: the value with the .opts text of its numbers, when it has any.
  readonly #spelled = new Map<string, SpelledValue>();

  /** A catalogue from `{ Client: { Property: value } }`. */
  static fromObject(
    object: Record<string, Record<string, OptionValue>>,
    location: SourceLocation = { file: '<object>', line: 1, column: 1 },
  ): JobOptionsCatalogue {
    const catalogue = new JobOptionsCatalogue();
    if (typeof object !== 'object' || object === null || Array.isArray(object)) {
      throw new JobOptionsError(
        ErrorCodes.ERR_COWLOOP_OPTIONS_VALUE,
        `job options must be an object of the form { Client: { Property: value } } (got ${object === null ? 'null' : typeof object})`,
        location,
      );
    }
    for (const [client, properties] of Object.entries(object)) {
      if (typeof properties !== 'object' || properties === null || Array.isArray(properties)) {
        throw new JobOptionsError(
          ErrorCodes.ERR_COWLOOP_OPTIONS_VALUE,
          `the options of client ${client} must be an object of { Property: value } (got ${properties === null ? 'null' : Array.isArray(properties) ? 'a list' : typeof properties})`,
          location,
        );
      }
      for (const [property, value] of Object.entries(properties)) catalogue.set(client, property, value, location);
    }
    return catalogue;
  }

  entries(): OptionEntry[] {
    const all: OptionEntry[] = [];
    for (const properties of this.#clients.values()) all.push(...properties.values());
    return all;
  }

  get(client: string, property: string): OptionEntry | undefined {
    return this.#clients.get(client)?.get(property);
  }

  has(client: string, property: string): boolean {
    return this.#clients.get(client)?.has(property) ?? false;
  }

  client(client: string): Map<string, OptionEntry> {
    return new Map(this.#clients.get(client));
  }

  clients(): string[] {
    return [...this.#clients.keys()];
  }

  /** Number of entries. */
  get size(): number {
    let n = 0;
    for (const properties of this.#clients.values()) n += properties.size;
    return n;
  }

  set(client: string, property: string, value: OptionValue, location: SourceLocation = CODE_LOCATION): void {
    checkNames(client, property, location);
    const problem = optionValueProblem(value, `${client}.${property}`);
    if (problem) throw new JobOptionsError(ErrorCodes.ERR_COWLOOP_OPTIONS_VALUE, problem, location);
    let properties = this.#clients.get(client);
    if (!properties) {
      properties = new Map();
      this.#clients.set(client, properties);
    }
    properties.set(property, { client, property, value: cloneValue(value), location: { ...location } });
    this.#spelled.delete(`${client}\0${property}`);
  }

  /** Sets a value read from .opts text, keeping the text of its numbers for Gaudi's dump. */
  setSpelled(client: string, property: string, value: SpelledValue, location: SourceLocation = CODE_LOCATION): void {
    this.set(client, property, plainValue(value), location);
    if (hasSpelling(value)) this.#spelled.set(`${client}\0${property}`, cloneValue(value));
  }

  /** The value with the .opts text of its numbers (see spelling.ts); the plain value when none. */
  spelled(client: string, property: string): SpelledValue | undefined {
    return this.#spelled.get(`${client}\0${property}`) ?? this.get(client, property)?.value;
  }

  /** `Client.Property += value` (append to a list, merge into a map). */
  append(client: string, property: string, value: OptionValue, location: SourceLocation = CODE_LOCATION): void {
    this.#operate(appendValue, client, property, value, location);
  }

  /** `Client.Property -= value` (remove list elements or map keys). */
  remove(client: string, property: string, value: OptionValue, location: SourceLocation = CODE_LOCATION): void {
    this.#operate(removeValue, client, property, value, location);
  }

  /** Removes one entry; true when it existed. */
  delete(client: string, property: string): boolean {
    const properties = this.#clients.get(client);
    if (!properties?.delete(property)) return false;
    this.#spelled.delete(`${client}\0${property}`);
    if (properties.size === 0) this.#clients.delete(client);
    return true;
  }

  toObject(): Record<string, Record<string, OptionValue>> {
    const object: Record<string, Record<string, OptionValue>> = {};
    for (const [client, properties] of this.#clients) {
      const target: Record<string, OptionValue> = {};
      for (const [property, entry] of properties) setEntry(target, property, cloneValue(entry.value));
      setEntry(object, client, target);
    }
    return object;
  }

  #operate(
    operation: (key: string, current: SpelledValue | undefined, rhs: SpelledValue) => SpelledValue,
    client: string,
    property: string,
    value: OptionValue,
    location: SourceLocation,
  ): void {
    checkNames(client, property, location);
    const key = `${client}.${property}`;
    const problem = optionValueProblem(value, key);
    if (problem) throw new JobOptionsError(ErrorCodes.ERR_COWLOOP_OPTIONS_VALUE, problem, location);
    let result: SpelledValue;
    try {
      result = operation(key, this.spelled(client, property), value);
    } catch (error) {
      if (error instanceof OperationProblem) {
        throw new JobOptionsError(ErrorCodes.ERR_COWLOOP_OPTIONS_OPERATION, error.message, location);
      }
      throw error;
    }
    this.setSpelled(client, property, result, location);
  }
}

function checkNames(client: string, property: string, location: SourceLocation): void {
  if (typeof client !== 'string' || !CLIENT_NAME.test(client)) {
    throw new JobOptionsError(
      ErrorCodes.ERR_COWLOOP_OPTIONS_VALUE,
      `client name ${JSON.stringify(client)} is not valid: expected identifiers separated by '.', e.g. "Finder" or "ToolSvc.Fitter"`,
      location,
    );
  }
  if (typeof property !== 'string' || !PROPERTY_NAME.test(property)) {
    throw new JobOptionsError(
      ErrorCodes.ERR_COWLOOP_OPTIONS_VALUE,
      `property name ${JSON.stringify(property)} of ${client} is not valid: expected an identifier, e.g. "MinHits"`,
      location,
    );
  }
}
