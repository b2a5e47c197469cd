// The exact text of output records. Serial runs, workers and the mergers all go through
// these functions, which is what makes a merged file byte-identical to a serial one.
import { CowloopError, ErrorCodes } from '../../errors.js';

/** `{"event":N,"a":...,"b":...}\n`: the event number always first. */
export function ndjsonRecord(event: number, names: readonly string[], values: readonly unknown[]): string {
  let line = `{"event":${event}`;
  for (let i = 0; i < names.length; i++) {
    line += `,${JSON.stringify(names[i])}:${jsonValue(values[i], names[i])}`;
  }
  return `${line}}\n`;
}

function jsonValue(value: unknown, name: string): string {
  if (value === undefined) return 'null';
  if (typeof value === 'bigint') return String(value);
  if (typeof value === 'object' && value !== null) {
    const list = numberList(value);
    if (list !== null) return list;
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new CowloopError(
      ErrorCodes.ERR_COWLOOP_IO_OUTPUT,
      `item ${JSON.stringify(name)} cannot be written as JSON: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return text ?? 'null';
}

/**
 * A typed array, or an array holding a BigInt, as a JSON array (ROOT branches arrive as
 * typed arrays, and int64 values above 2^53 as BigInts): JSON.stringify would write
 * `{"0":...}` for the one and throw on the other. Null for any other value.
 */
function numberList(value: object): string | null {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const items = value as unknown as ArrayLike<number | bigint>;
    let text = '[';
    for (let i = 0; i < items.length; i++) text += (i ? ',' : '') + scalarJson(items[i]);
    return `${text}]`;
  }
  if (Array.isArray(value) && value.some((x) => typeof x === 'bigint') && value.every((x) => typeof x !== 'object' || x === null)) {
    return `[${value.map(scalarJson).join(',')}]`;
  }
  return null;
}

function scalarJson(x: unknown): string {
  return typeof x === 'bigint' ? String(x) : (JSON.stringify(x) ?? 'null');
}

/** `event,a,b\n` */
export function csvHeader(names: readonly string[]): string {
  return `${['event', ...names].map(csvField).join(',')}\n`;
}

/** `N,<a>,<b>\n`: numbers as JavaScript prints them, null/undefined empty, objects as JSON. */
export function csvRecord(event: number, values: readonly unknown[]): string {
  let line = String(event);
  for (const value of values) line += `,${csvValue(value)}`;
  return `${line}\n`;
}

function csvValue(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return csvField(value);
  return csvField((typeof value === 'object' ? numberList(value) : null) ?? JSON.stringify(value) ?? '');
}

/** Quotes a field when it holds a separator, a quote, a line end or edge spaces (RFC 4180). */
export function csvField(text: string): string {
  if (/[",\r\n]/.test(text) || text !== text.trim() || text === '') {
    return text === '' ? '' : `"${text.replace(/"/g, '""')}"`;
  }
  return text;
}
