// Environment variables in option values, as Gaudi's C++ reader expands them: `$NAME` and
// `$(NAME)` (NAME of letters, digits and `_`) in the text of every value read from .opts,
// once the reading is done. A variable that is not set is left as written.
import type { OptionValue } from './types.js';
import { isOptionMap, setEntry } from './values.js';

const VARIABLE = /\$(?:([A-Za-z0-9_]+)|\(([A-Za-z0-9_]+)\))/g;

export function expandInText(text: string, env: NodeJS.ProcessEnv = process.env): string {
  if (!text.includes('$')) return text;
  return text.replace(VARIABLE, (written, bare?: string, parenthesised?: string) => env[(bare ?? parenthesised)!] ?? written);
}

/**
 * Every string of a value expanded: list elements, map keys and map values too, since
 * Gaudi expands the value's whole text. Of two keys that become equal, the first stays.
 */
export function expandInValue(value: OptionValue, env: NodeJS.ProcessEnv = process.env): OptionValue {
  if (typeof value === 'string') return expandInText(value, env);
  if (Array.isArray(value)) return value.map((item) => expandInValue(item, env));
  if (isOptionMap(value)) {
    const map: { [key: string]: OptionValue } = {};
    for (const [key, item] of Object.entries(value)) {
      const name = expandInText(key, env);
      if (!Object.hasOwn(map, name)) setEntry(map, name, expandInValue(item, env));
    }
    return map;
  }
  return value;
}
