// Option values: validation, copying, equality, and the `+=` / `-=` operations. The
// operations also take spelled values (numbers with their .opts text, spelling.ts) and keep
// the text of what they keep.
import { copyKeyTexts, isEmptyBraces, markEmptyBraces, NumberText, type SpelledValue } from './spelling.js';
import type { OptionValue } from './types.js';

/** Why `value` is not an OptionValue (naming the offending path), or undefined when it is one. */
export function optionValueProblem(value: unknown, path = 'value'): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'bigint':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `${path} must be a finite number (got ${String(value)})`;
    case 'object': {
      if (value === null) return `${path} must be a number, string, boolean, list or map (got null)`;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const problem = optionValueProblem(value[i], `${path}[${i}]`);
          if (problem) return problem;
        }
        return undefined;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) {
        const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
        return `${path} must be a number, string, boolean, list or plain map (got ${name})`;
      }
      for (const [key, item] of Object.entries(value)) {
        const problem = optionValueProblem(item, `${path}[${JSON.stringify(key)}]`);
        if (problem) return problem;
      }
      return undefined;
    }
    default:
      return `${path} must be a number, string, boolean, list or map (got ${typeof value})`;
  }
}

export function isOptionMap(value: OptionValue | undefined): value is { [key: string]: OptionValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !((value as unknown) instanceof NumberText);
}

function isSpelledMap(value: SpelledValue | undefined): value is { [key: string]: SpelledValue } {
  return isOptionMap(value as OptionValue | undefined);
}

/**
 * Sets an own, enumerable entry. Plain assignment would treat a key named "__proto__"
 * (legal in a map value, and as a client or property name) as the prototype setter and
 * drop the entry or change the object's prototype.
 */
export function setEntry<V>(target: { [key: string]: V }, key: string, value: V): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

export function cloneValue<V extends SpelledValue>(value: V): V {
  if (Array.isArray(value)) {
    const copy = value.map(cloneValue);
    if (isEmptyBraces(value)) markEmptyBraces(copy);
    return copy as V;
  }
  if (isSpelledMap(value)) {
    const copy: { [key: string]: SpelledValue } = {};
    for (const [key, item] of Object.entries(value)) setEntry(copy, key, cloneValue(item));
    copyKeyTexts(value, copy);
    return copy as V;
  }
  return value;
}

export function valuesEqual(a: SpelledValue, b: SpelledValue): boolean {
  // A number compares by its value, whatever its text (1e3 equals 1000).
  if (a instanceof NumberText) a = a.value;
  if (b instanceof NumberText) b = b.value;
  // A big integer equals a number of the same value (1n and 1 are one option value).
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    return (typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number') && a == b;
  }
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => valuesEqual(item, b[i]!));
  }
  if (isSpelledMap(a)) {
    if (!isSpelledMap(b)) return false;
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && valuesEqual(a[k]!, b[k]!));
  }
  return Object.is(a, b);
}

export function kindOf(value: SpelledValue): string {
  if (Array.isArray(value)) return 'a list';
  if (isSpelledMap(value)) return 'a map';
  if (typeof value === 'bigint' || value instanceof NumberText) return 'a number';
  return `a ${typeof value}`;
}

/** Raised by appendValue/removeValue; the caller adds the location. */
export class OperationProblem extends Error {}

/**
 * Gaudi's `+=`: append to a list (a list on the right is concatenated, anything else is
 * one more element), merge into a map (a key already there keeps its value, as Gaudi's
 * C++ reader does). An unset property takes the right-hand value. Numbers, strings and
 * booleans cannot be added to.
 */
export function appendValue<V extends SpelledValue>(key: string, current: V | undefined, rhs: V): V {
  if (current === undefined) return cloneValue(rhs);
  if (Array.isArray(current)) {
    return (Array.isArray(rhs) ? [...current, ...rhs.map(cloneValue)] : [...current, cloneValue(rhs)]) as V;
  }
  if (isSpelledMap(current)) {
    if (Array.isArray(rhs) && rhs.length === 0) return current;
    if (!isSpelledMap(rhs)) {
      throw new OperationProblem(`'+=' on ${key} needs a map on the right, since ${key} holds a map (got ${kindOf(rhs)})`);
    }
    const merged = cloneValue(current) as { [key: string]: SpelledValue };
    const added: { [key: string]: SpelledValue } = {};
    for (const [k, v] of Object.entries(rhs)) if (!Object.hasOwn(merged, k)) setEntry(added, k, cloneValue(v));
    for (const [k, v] of Object.entries(added)) setEntry(merged, k, v);
    copyKeyTexts(rhs, added);
    copyKeyTexts(added, merged);
    return merged as V;
  }
  throw new OperationProblem(
    `'+=' needs a list or a map, but ${key} holds ${kindOf(current)}; use '=' to replace it`,
  );
}

/**
 * `-=`, as Gaudi's C++ reader does it: remove from a list the first element equal to the
 * right-hand value (or, for a list on the right, the first equal element for each of its
 * elements in turn); remove from a map the keys named on the right (a key, a list of keys,
 * or a map whose keys are removed). Elements that are absent are ignored. An unset
 * property takes the right-hand value, as `+=` does.
 */
export function removeValue<V extends SpelledValue>(key: string, current: V | undefined, rhs: V): V {
  if (current === undefined) return cloneValue(rhs);
  if (Array.isArray(current)) {
    const result = [...current];
    for (const r of Array.isArray(rhs) ? rhs : [rhs]) {
      const at = result.findIndex((item) => valuesEqual(item, r));
      if (at >= 0) result.splice(at, 1);
    }
    return result as V;
  }
  if (isSpelledMap(current)) {
    let keys: SpelledValue[];
    if (isSpelledMap(rhs)) keys = Object.keys(rhs);
    else keys = Array.isArray(rhs) ? rhs : [rhs];
    keys = keys.map((k) => (k instanceof NumberText ? k.value : k));
    keys = keys.map((k) => (typeof k === 'number' || typeof k === 'bigint' || typeof k === 'boolean' ? mapKey(k) : k));
    const bad = keys.find((k) => typeof k !== 'string');
    if (bad !== undefined) {
      throw new OperationProblem(`'-=' on the map ${key} needs key names (strings) on the right (got ${kindOf(bad)})`);
    }
    const result = cloneValue(current) as { [key: string]: SpelledValue };
    for (const k of keys as string[]) delete result[k];
    return result as V;
  }
  throw new OperationProblem(
    `'-=' needs a list or a map, but ${key} holds ${kindOf(current)}; use '=' to replace it`,
  );
}

/** A number as option text prints it: integers beyond 2^53 held as numbers in exponent form. */
export function formatNumberText(value: number | bigint): string {
  if (typeof value === 'bigint') return String(value);
  if (Object.is(value, -0)) return '-0';
  if (Number.isInteger(value) && !Number.isSafeInteger(value)) return value.toExponential();
  return String(value);
}

/** The key a number or boolean becomes in a map: its text (`{ 0: "zero" }` has the key "0"). */
export function mapKey(value: number | bigint | boolean): string {
  return String(value);
}
