// Writes a catalogue back as .opts text that parses to an equal catalogue, or in Gaudi's
// own dump format (`Client.Property = value;`, sorted) for comparison with Gaudi's output.
import { ErrorCodes, invalidArgument } from '../errors.js';
import { JobOptionsError, formatLocation } from './errors.js';
import { JobOptionsCatalogue } from './catalogue.js';
import { isEmptyBraces, isOptsMap, keyText, NumberText, type SpelledValue } from './spelling.js';
import type { JobOptions, OptionValue } from './types.js';
import { formatNumberText, isOptionMap } from './values.js';

export interface FormatJobOptionsOptions {
  /** Append `// file:line:column` to each line, naming where the value was set. */
  locations?: boolean;
}

/**
 * A string as .opts text. In Gaudi's grammar a backslash escapes only the closing quote,
 * so only `"` needs one; every other character, line breaks included, is written as is.
 * A string ending in a backslash cannot be written: that backslash would escape the quote.
 */
export function quoteString(text: string): string {
  if (text.endsWith('\\')) {
    throw new JobOptionsError(
      ErrorCodes.ERR_COWLOOP_OPTIONS_VALUE,
      `the string ${JSON.stringify(text)} ends with a backslash, which .opts text cannot express (it would escape the closing quote); print the options as JSON instead`,
    );
  }
  return `"${text.replace(/"/g, '\\"')}"`;
}

export function formatValue(value: OptionValue): string {
  if (typeof value === 'string') return quoteString(value);
  if (typeof value === 'number' || typeof value === 'bigint') return formatNumberText(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return value.length === 0 ? '{}' : `{ ${value.map(formatValue).join(', ')} }`;
  if (isOptionMap(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return '{:}';
    return `{ ${entries.map(([k, v]) => `${quoteString(k)}: ${formatValue(v)}`).join(', ')} }`;
  }
  throw invalidArgument('value', 'an option value (string, number, bigint, boolean, array or map of them)', value);
}

/** One `Client.Property = value;` line per entry, clients separated by a blank line. */
export function formatJobOptions(options: JobOptions, format: FormatJobOptionsOptions = {}): string {
  const lines: string[] = [];
  for (const client of options.clients()) {
    const entries = [...options.client(client).values()];
    if (entries.length === 0) continue;
    if (lines.length > 0) lines.push('');
    const width = Math.max(...entries.map((e) => e.property.length));
    for (const entry of entries) {
      const key = `${client}.${entry.property.padEnd(width)}`;
      const line = `${key} = ${formatValue(entry.value)};`;
      lines.push(format.locations ? `${line}  // ${formatLocation(entry.location)}` : line);
    }
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/**
 * A value as Gaudi's catalogue prints it: strings quoted with `"` and `\` escaped
 * (std::quoted), lists `[a, b]`, maps `{key: value}` sorted by key, numeric keys bare;
 * numbers as written in .opts text (`1e3`, `+4`, `5000.000000` for 5*GeV), booleans as 1
 * and 0, as Gaudi's reader keeps them.
 */
export function formatGaudiValue(value: SpelledValue): string {
  if (value instanceof NumberText) return value.text;
  if (typeof value === 'string') return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
  if (typeof value === 'number' || typeof value === 'bigint') return formatNumberText(value);
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (Array.isArray(value)) return isEmptyBraces(value) ? '{}' : `[${value.map(formatGaudiValue).join(', ')}]`;
  // A map from .opts text knows which keys were numbers; for others, a key that reads as
  // a number is written as one.
  const key = (k: string): string => keyText(value, k) ?? (isOptsMap(value) ? formatGaudiValue(k) : gaudiKey(k));
  const entries = Object.entries(value).map(([k, v]) => [key(k), formatGaudiValue(v)] as const);
  entries.sort(([a], [b]) => compareBytes(a, b));
  return `{${entries.map(([k, v]) => `${k}: ${v}`).join(', ')}}`;
}

function gaudiKey(key: string): string {
  const n = Number(key);
  if (key.trim() !== '' && Number.isFinite(n) && String(n) === key) return key;
  return formatGaudiValue(key);
}

/** Gaudi's order: by client, then by full name, comparing as std::string does. */
export function formatGaudiOptions(options: JobOptions): string {
  const clients = [...options.clients()].sort(compareBytes);
  const lines: string[] = [];
  for (const client of clients) {
    const entries = [...options.client(client).values()].sort((a, b) => compareBytes(a.property, b.property));
    for (const entry of entries) {
      const value = options instanceof JobOptionsCatalogue ? options.spelled(client, entry.property)! : entry.value;
      lines.push(`${client}.${entry.property} = ${formatGaudiValue(value)};`);
    }
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

function compareBytes(a: string, b: string): number {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return Buffer.compare(x, y);
}
