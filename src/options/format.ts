// Writes a catalogue back as .opts text that parses to an equal catalogue.
import { formatLocation } from './errors.js';
import type { JobOptions, OptionValue } from './types.js';
import { isOptionMap } from './values.js';

export interface FormatJobOptionsOptions {
  /** Append `// file:line:column` to each line, naming where the value was set. */
  locations?: boolean;
}

export function formatValue(value: OptionValue): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return value.length === 0 ? '{}' : `{ ${value.map(formatValue).join(', ')} }`;
  if (isOptionMap(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return '{:}';
    return `{ ${entries.map(([k, v]) => `${JSON.stringify(k)}: ${formatValue(v)}`).join(', ')} }`;
  }
  throw new TypeError(`not an option value: ${String(value)}`);
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
