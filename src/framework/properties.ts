// Typed property declarations. A component declares its properties statically:
//   static properties = { MinHits: prop.int(4, 'minimum hits per track', { min: 1 }) };
// Each declaration knows its type, default, doc string and validation, so job options are
// checked when applied and the job-options reference is generated from the declarations.
import type { OptionValue } from '../options/types.js';

export type PropertyKind = 'int' | 'int64' | 'uint64' | 'number' | 'string' | 'bool' | 'list' | 'map' | 'enum' | 'level';

/** Thrown by `convert`; the component adds the option's name and location. */
export class PropertyValueError extends Error {}

export interface PropertySpec<T> {
  readonly kind: PropertyKind;
  readonly default: T;
  readonly doc: string;
  /** Human-readable type, e.g. `int >= 1`, `list of number`, `one of "abort" | "skip"`. */
  readonly typeName: string;
  /** Checks and converts a value from job options or code; throws PropertyValueError. */
  convert(value: unknown): T;
}

export type PropertyDecls = Record<string, PropertySpec<unknown>>;

/** The value types of a declaration object: `PropsOf<typeof MyAlg.properties>`. */
export type PropsOf<P> = { readonly [K in keyof P]: P[K] extends PropertySpec<infer T> ? T : never };

function fail(expected: string, value: unknown): never {
  throw new PropertyValueError(`expected ${expected}, got ${show(value)}`);
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `a list (${json(value).slice(0, 60)})`;
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') return `a map (${json(value).slice(0, 60)})`;
  if (typeof value === 'bigint') return `integer ${value}`;
  return `${typeof value} ${String(value)}`;
}

/** JSON with big integers (from job options beyond 2^53) as their digits. */
function json(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
}

interface Range {
  min?: number;
  max?: number;
}

function rangeText(base: string, r: Range): string {
  if (r.min !== undefined && r.max !== undefined) return `${base} in [${r.min}, ${r.max}]`;
  if (r.min !== undefined) return `${base} >= ${r.min}`;
  if (r.max !== undefined) return `${base} <= ${r.max}`;
  return base;
}

function checkRange(v: number, r: Range, typeName: string): number {
  if ((r.min !== undefined && v < r.min) || (r.max !== undefined && v > r.max)) fail(typeName, v);
  return v;
}

function spec<T>(kind: PropertyKind, def: T, doc: string, typeName: string, convert: (v: unknown) => T): PropertySpec<T> {
  return Object.freeze({ kind, default: def, doc, typeName, convert });
}

function int(def: number, doc = '', range: Range = {}): PropertySpec<number> {
  const typeName = rangeText('int', range);
  return spec('int', def, doc, typeName, (v) => {
    if (typeof v === 'bigint' && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) v = Number(v);
    if (typeof v === 'bigint') {
      throw new PropertyValueError(
        `expected ${typeName}, got ${v}, beyond the 2^53 an int holds exactly; declare the property prop.int64 or prop.uint64 to take it`,
      );
    }
    if (typeof v !== 'number' || !Number.isInteger(v)) fail(typeName, v);
    return checkRange(v, range, typeName);
  });
}

function number(def = 0, doc = '', range: Range = {}): PropertySpec<number> {
  const typeName = rangeText('number', range);
  return spec('number', def, doc, typeName, (v) => {
    // An integer written beyond 2^53 arrives exact, as a bigint: taken only when a number
    // holds it exactly, never rounded.
    if (typeof v === 'bigint') {
      const n = Number(v);
      if (BigInt(n) !== v) {
        throw new PropertyValueError(
          `expected ${typeName}, got ${v}, which would lose precision as a number (it would become ${BigInt(n)}); declare the property prop.int64 or prop.uint64 to keep it exact`,
        );
      }
      return checkRange(n, range, typeName);
    }
    if (typeof v !== 'number' || Number.isNaN(v)) fail(typeName, v);
    return checkRange(v, range, typeName);
  });
}

interface BigRange {
  min?: bigint;
  max?: bigint;
}

const INT64: Required<BigRange> = { min: -(2n ** 63n), max: 2n ** 63n - 1n };
const UINT64: Required<BigRange> = { min: 0n, max: 2n ** 64n - 1n };

/**
 * A 64-bit integer as a bigint: every value of a C++ int64_t / uint64_t, exactly (seeds,
 * masks, identifiers). Takes a bigint, or a number that is an integer up to 2^53.
 */
function wide(kind: 'int64' | 'uint64', limits: Required<BigRange>, def: bigint, doc: string, range: BigRange): PropertySpec<bigint> {
  const min = range.min !== undefined && range.min > limits.min ? range.min : limits.min;
  const max = range.max !== undefined && range.max < limits.max ? range.max : limits.max;
  const typeName = range.min === undefined && range.max === undefined ? kind : `${kind} in [${min}, ${max}]`;
  return spec(kind, def, doc, typeName, (v) => {
    let n: bigint;
    if (typeof v === 'bigint') {
      n = v;
    } else if (typeof v === 'number' && Number.isSafeInteger(v)) {
      n = BigInt(v);
    } else if (typeof v === 'number' && Number.isInteger(v)) {
      throw new PropertyValueError(
        `expected ${typeName}, got number ${v}, which is not exact beyond 2^53: write the integer's digits (or a bigint in code)`,
      );
    } else {
      fail(typeName, v);
    }
    if (n < limits.min || n > limits.max) {
      throw new PropertyValueError(`expected ${typeName}, got ${n}, out of range: ${kind === 'int64' ? 'an' : 'a'} ${kind} holds ${limits.min} to ${limits.max}`);
    }
    if (n < min || n > max) fail(typeName, n);
    return n;
  });
}

function int64(def: bigint | number = 0n, doc = '', range: BigRange = {}): PropertySpec<bigint> {
  return wide('int64', INT64, BigInt(def), doc, range);
}

function uint64(def: bigint | number = 0n, doc = '', range: BigRange = {}): PropertySpec<bigint> {
  return wide('uint64', UINT64, BigInt(def), doc, range);
}

function string(def = '', doc = ''): PropertySpec<string> {
  return spec('string', def, doc, 'string', (v) => {
    if (typeof v !== 'string') fail('string', v);
    return v;
  });
}

function bool(def = false, doc = ''): PropertySpec<boolean> {
  return spec('bool', def, doc, 'bool', (v) => {
    if (typeof v !== 'boolean') fail('bool (true or false)', v);
    return v;
  });
}

function list<T>(item: PropertySpec<T>, def: T[] = [], doc = ''): PropertySpec<T[]> {
  const typeName = `list of ${item.typeName}`;
  return spec('list', def, doc, typeName, (v) => {
    if (!Array.isArray(v)) fail(typeName, v);
    return v.map((x, i) => {
      try {
        return item.convert(x);
      } catch (e) {
        if (e instanceof PropertyValueError) throw new PropertyValueError(`item ${i}: ${e.message}`);
        throw e;
      }
    });
  });
}

function map<T>(value: PropertySpec<T>, def: Record<string, T> = {}, doc = ''): PropertySpec<Record<string, T>> {
  const typeName = `map of string to ${value.typeName}`;
  return spec('map', def, doc, typeName, (v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(typeName, v);
    const out: Record<string, T> = {};
    for (const [k, x] of Object.entries(v)) {
      try {
        out[k] = value.convert(x);
      } catch (e) {
        if (e instanceof PropertyValueError) throw new PropertyValueError(`key ${JSON.stringify(k)}: ${e.message}`);
        throw e;
      }
    }
    return out;
  });
}

function choice<const C extends string>(choices: readonly C[], def: C, doc = ''): PropertySpec<C> {
  const typeName = `one of ${choices.map((c) => JSON.stringify(c)).join(' | ')}`;
  return spec('enum', def, doc, typeName, (v) => {
    if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) fail(typeName, v);
    return v as C;
  });
}

/** Any option value, unchecked: for free-form configuration handed on to user code. */
function any(def: OptionValue, doc = ''): PropertySpec<OptionValue> {
  return spec('map', def, doc, 'any value', (v) => v as OptionValue);
}

export const prop = { int, int64, uint64, number, string, bool, list, map, choice, enum: choice, any };

/** A plain-data description of one property, for generated references and `--help` output. */
export interface PropertyInfo {
  name: string;
  type: string;
  default: unknown;
  doc: string;
}

export function describeProperties(decls: PropertyDecls): PropertyInfo[] {
  return Object.entries(decls).map(([name, s]) => ({ name, type: s.typeName, default: s.default, doc: s.doc }));
}
