// Numbers as Gaudi's C++ reader keeps them. Its catalogue holds every value as text: a
// number is the text it was written with (`1e3`, `+4`, `007`, `100` for `100L`), a number
// with a unit the product printed with six decimals (`5000.000000` for 5*GeV). While .opts
// files are read, such numbers travel as NumberText leaves inside values, so that copies,
// references, `+=` and `-=` carry their text along; the catalogue hands out plain values
// and keeps the spelled ones only for Gaudi's dump (format.ts).
import type { OptionValue } from './types.js';

export class NumberText {
  constructor(
    readonly value: number | bigint,
    /** The text Gaudi's catalogue holds for this number. */
    readonly text: string,
  ) {}
}

/** An option value whose numbers may carry their text. */
export type SpelledValue = OptionValue | NumberText | SpelledValue[] | { [key: string]: SpelledValue };

/**
 * On a map read from .opts text: the text Gaudi keeps for keys written as numbers or
 * booleans, by key (its other keys are strings, which Gaudi keeps quoted).
 */
const KEY_TEXT = Symbol('gaudi key text');
/** On an empty list written `{}`, which Gaudi reads as an empty map and prints `{}`. */
const EMPTY_BRACES = Symbol('gaudi empty map');

type SpelledMap = { [key: string]: SpelledValue } & { [KEY_TEXT]?: Map<string, string> };

function isMap(value: unknown): value is SpelledMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof NumberText);
}

/** The plain value: every NumberText replaced by its number. */
export function plainValue(value: SpelledValue): OptionValue {
  if (value instanceof NumberText) return value.value;
  if (Array.isArray(value)) return value.map(plainValue);
  if (isMap(value)) {
    const map: { [key: string]: OptionValue } = {};
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(map, key, { value: plainValue(item), enumerable: true, writable: true, configurable: true });
    }
    return map;
  }
  return value as OptionValue;
}

/** True when some number, key or empty list of `value` carries text of its own. */
export function hasSpelling(value: SpelledValue): boolean {
  if (value instanceof NumberText) return true;
  if (Array.isArray(value)) return isEmptyBraces(value) || value.some(hasSpelling);
  if (isMap(value)) return isOptsMap(value) || Object.values(value).some(hasSpelling);
  return false;
}

/** Marks `map` as read from .opts text: its keys without a text are strings. */
export function markOptsMap(map: object): void {
  const target = map as SpelledMap;
  if (target[KEY_TEXT]) return;
  Object.defineProperty(target, KEY_TEXT, { value: new Map<string, string>(), enumerable: false, configurable: true });
}

export function isOptsMap(map: object): boolean {
  return (map as SpelledMap)[KEY_TEXT] !== undefined;
}

/** Gaudi's text for the key `key` of `map`, when it was written as a number or boolean. */
export function keyText(map: object, key: string): string | undefined {
  return (map as SpelledMap)[KEY_TEXT]?.get(key);
}

/** Records Gaudi's text for a key of `map` (a non-enumerable mark: entries stay plain). */
export function setKeyText(map: object, key: string, text: string): void {
  markOptsMap(map);
  (map as SpelledMap)[KEY_TEXT]!.set(key, text);
}

/** Marks `to` as `from` is marked, with the key texts of `from` for the keys `to` has. */
export function copyKeyTexts(from: object, to: object): void {
  const texts = (from as SpelledMap)[KEY_TEXT];
  if (!texts) return;
  markOptsMap(to);
  for (const [key, text] of texts) if (Object.hasOwn(to, key)) setKeyText(to, key, text);
}

/** Marks an empty list as written `{}`. */
export function markEmptyBraces(list: unknown[]): void {
  Object.defineProperty(list, EMPTY_BRACES, { value: true, enumerable: false, configurable: true });
}

export function isEmptyBraces(list: unknown[]): boolean {
  return list.length === 0 && (list as unknown[] & { [EMPTY_BRACES]?: boolean })[EMPTY_BRACES] === true;
}

/**
 * `value` printed as C++ std::to_string prints a double (printf `%f`): the exact decimal
 * value rounded to six decimals, ties to even, as Gaudi stores a number with a unit.
 */
export function stdToString(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  const negative = value < 0 || Object.is(value, -0);
  // |value| = mantissa * 2^exponent exactly, read from the IEEE 754 bits.
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(value));
  const bits = view.getBigUint64(0);
  const biased = Number(bits >> 52n);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exponent = (biased === 0 ? 1 : biased) - 1075;
  // millionths = |value| * 10^6, rounded half to even.
  let millionths: bigint;
  if (exponent >= 0) {
    millionths = (mantissa << BigInt(exponent)) * 1_000_000n;
  } else {
    const numerator = mantissa * 1_000_000n;
    const denominator = 1n << BigInt(-exponent);
    millionths = numerator / denominator;
    const twice = (numerator % denominator) * 2n;
    if (twice > denominator || (twice === denominator && millionths % 2n === 1n)) millionths += 1n;
  }
  const digits = millionths.toString().padStart(7, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -6)}.${digits.slice(-6)}`;
}
