// Environment variables in option values, as Gaudi's C++ reader expands them: `$NAME` and
// `$(NAME)` (NAME of letters, digits and `_`) in the text of every value read from .opts,
// once the reading is done. A variable that is not set is left as written.
import { isOptsMap, keyText, markOptsMap, setKeyText, type SpelledValue } from './spelling.js';
import type { OptionValue } from './types.js';
import { cloneValue, isOptionMap, setEntry } from './values.js';

const VARIABLE = /\$(?:([A-Za-z0-9_]+)|\(([A-Za-z0-9_]+)\))/g;

export function expandInText(text: string, env: NodeJS.ProcessEnv = process.env): string {
  if (!text.includes('$')) return text;
  return text.replace(VARIABLE, (written, bare?: string, parenthesised?: string) => env[(bare ?? parenthesised)!] ?? written);
}

/**
 * Every string of a value expanded: list elements, map keys and map values too, since
 * Gaudi expands the value's whole text. Of two keys that become equal, the first stays.
 * Numbers keep their .opts text.
 */
export function expandInValue<V extends SpelledValue>(value: V, env: NodeJS.ProcessEnv = process.env): V {
  if (typeof value === 'string') return expandInText(value, env) as V;
  if (Array.isArray(value)) return value.length === 0 ? cloneValue(value) : (value.map((item: SpelledValue) => expandInValue(item, env)) as V);
  if (isOptionMap(value as OptionValue)) {
    const map: { [key: string]: SpelledValue } = {};
    if (isOptsMap(value as object)) markOptsMap(map);
    for (const [key, item] of Object.entries(value as { [key: string]: SpelledValue })) {
      const name = expandInText(key, env);
      if (Object.hasOwn(map, name)) continue;
      setEntry(map, name, expandInValue(item, env));
      // Only string keys hold a `$`: a key with a text of its own stays as it is.
      const text = keyText(value as object, key);
      if (text !== undefined) setKeyText(map, name, text);
    }
    return map as V;
  }
  return value;
}
