// Large read-only tables packed into one ArrayBuffer, column by column.
//
// A table held as JS objects (a Map of one object per channel, arrays of records) lives in
// V8's heap: after a fork every worker's garbage collector walks and writes those pages
// (page headers, mark bits, free lists), so part of them stops being shared. An ArrayBuffer's
// contents sit outside the heap, in memory the collector never moves or writes: packed once
// in the master, a table stays shared by every worker for as long as nobody writes it.
// See docs/memory-sharing.md for the measured difference.
import { CowloopError, ErrorCodes } from '../errors.js';

/** Column types: numbers of the usual widths, booleans (one byte) and UTF-8 strings. */
export type ColumnType = 'f64' | 'f32' | 'i32' | 'u32' | 'i16' | 'u16' | 'i8' | 'u8' | 'bool' | 'string';

export type TableSchema = Readonly<Record<string, ColumnType>>;

/** The JS value a column of type T holds. */
export type ColumnValue<T extends ColumnType> = T extends 'string' ? string : T extends 'bool' ? boolean : number;

/** One row as a plain object. */
export type TableRow<S extends TableSchema> = { -readonly [K in keyof S]: ColumnValue<S[K]> };

type NumericArray = Float64Array | Float32Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;

const NUMERIC = {
  f64: Float64Array,
  f32: Float32Array,
  i32: Int32Array,
  u32: Uint32Array,
  i16: Int16Array,
  u16: Uint16Array,
  i8: Int8Array,
  u8: Uint8Array,
  bool: Uint8Array,
} as const;

export interface SharedTableOptions<S extends TableSchema> {
  /**
   * An integer column (i32, u32, i16, u16, i8, u8) to look rows up by with `find(key)`:
   * the hash index is packed into the same buffer. Keys must be unique.
   */
  key?: keyof S & string;
}

interface StringColumn {
  offsets: Uint32Array;
  bytes: Uint8Array;
}

const align8 = (n: number): number => Math.ceil(n / 8) * 8;
const decoder = new TextDecoder();
const encoder = new TextEncoder();

function invalid(message: string): CowloopError {
  return new CowloopError(ErrorCodes.ERR_COWLOOP_INVALID_ARGUMENT, message);
}

/**
 * A read-only table of `length` rows whose columns are typed arrays over one ArrayBuffer.
 *
 * ```js
 * const calib = SharedTable.fromRecords(rows, { channel: 'u32', gain: 'f64', dead: 'bool' }, { key: 'channel' });
 * const gain = calib.column('gain');      // Float64Array: the fastest read, no allocation
 * const row = calib.find(4711);           // row index, or -1
 * if (row >= 0 && !calib.get(row, 'dead')) e *= gain[row];
 * ```
 */
export class SharedTable<S extends TableSchema> {
  readonly schema: S;
  readonly length: number;
  /** The one buffer holding every column (and the key index). */
  readonly buffer: ArrayBuffer;
  readonly #numeric = new Map<string, NumericArray>();
  readonly #strings = new Map<string, StringColumn>();
  readonly #keyColumn: NumericArray | undefined;
  readonly #index: Int32Array | undefined;

  private constructor(schema: S, length: number, buffer: ArrayBuffer, numeric: Map<string, NumericArray>, strings: Map<string, StringColumn>, key: string | undefined, index: Int32Array | undefined) {
    this.schema = schema;
    this.length = length;
    this.buffer = buffer;
    this.#numeric = numeric;
    this.#strings = strings;
    this.#keyColumn = key === undefined ? undefined : numeric.get(key);
    this.#index = index;
  }

  /** Bytes the table takes (all in `buffer`, outside V8's heap). */
  get byteLength(): number {
    return this.buffer.byteLength;
  }

  /**
   * Packs records (objects with every field of `schema`) into a new table. Numbers are
   * stored as the column type stores them (f32 rounds, integer types wrap as typed arrays do);
   * a missing or wrongly typed field is an error naming the record and the field.
   */
  static fromRecords<S extends TableSchema>(records: Iterable<Readonly<Record<string, unknown>>>, schema: S, options: SharedTableOptions<S> = {}): SharedTable<S> {
    const rows = Array.isArray(records) ? (records as Readonly<Record<string, unknown>>[]) : [...records];
    return SharedTable.fromRows(rows.length, (i) => rows[i]!, schema, options);
  }

  /**
   * Packs `length` rows, asking `rowAt(i)` for each once, in order: no array of all the
   * records ever exists, so a table of millions of rows is built without millions of
   * objects surviving into the old generation (the cheap way for large tables).
   */
  static fromRows<S extends TableSchema>(length: number, rowAt: (i: number) => Readonly<Record<string, unknown>>, schema: S, options: SharedTableOptions<S> = {}): SharedTable<S> {
    if (!(Number.isInteger(length) && length >= 0)) throw invalid(`SharedTable.fromRows: length must be a whole number (got ${length})`);
    const fields = Object.keys(schema);
    if (fields.length === 0) throw invalid('SharedTable.fromRecords: the schema has no columns; give at least one, e.g. { gain: "f64" }');
    for (const name of fields) {
      const type = schema[name];
      if (type !== 'string' && !(type! in NUMERIC)) {
        throw invalid(`SharedTable.fromRecords: column "${name}" has unknown type ${JSON.stringify(type)}; use one of ${[...Object.keys(NUMERIC), 'string'].join(', ')}`);
      }
    }
    const key = options.key;
    if (key !== undefined && !['i32', 'u32', 'i16', 'u16', 'i8', 'u8'].includes(schema[key] as string)) {
      throw invalid(`SharedTable.fromRecords: the key column "${key}" must be an integer column (i32, u32, i16, u16, i8, u8), not ${schema[key] ?? 'missing'}`);
    }
    const n = length;
    const wrong = (i: number, name: string, v: unknown, want: string): CowloopError =>
      invalid(`SharedTable.fromRecords: record ${i} field "${name}" is ${v === undefined ? 'missing' : typeof v}; the schema wants a ${want}`);

    // One pass over the rows: numbers into standalone columns, strings encoded (their byte
    // counts decide the final layout); then everything is copied into the one buffer.
    const staged = fields.map((name) => {
      const type = schema[name]!;
      return { name, type, numbers: type === 'string' ? undefined : new NUMERIC[type](n), texts: type === 'string' ? new Array<Uint8Array>(n) : undefined };
    });
    for (let i = 0; i < n; i++) {
      const row = rowAt(i);
      if (row === null || typeof row !== 'object') throw invalid(`SharedTable.fromRecords: record ${i} is ${row === null ? 'null' : typeof row}, not an object`);
      for (const col of staged) {
        const v = row[col.name];
        if (col.texts) {
          if (typeof v !== 'string') throw wrong(i, col.name, v, 'string');
          col.texts[i] = encoder.encode(v);
        } else if (col.type === 'bool') {
          if (typeof v !== 'boolean') throw wrong(i, col.name, v, 'boolean');
          col.numbers![i] = v ? 1 : 0;
        } else {
          if (typeof v !== 'number') throw wrong(i, col.name, v, 'number');
          col.numbers![i] = v;
        }
      }
    }

    const slots = n === 0 ? 1 : 2 ** Math.ceil(Math.log2(n * 2)); // at most half full
    let size = 0;
    const offsets = staged.map((col) => {
      const at = size;
      if (col.texts) {
        const total = col.texts.reduce((sum, b) => sum + b.byteLength, 0);
        size = align8(size + 4 * (n + 1));
        const bytesAt = size;
        size = align8(size + total);
        return { at, bytesAt, total };
      }
      size = align8(size + col.numbers!.byteLength);
      return { at, bytesAt: 0, total: 0 };
    });
    const indexOffset = size;
    if (key !== undefined) size += 4 * slots;

    const buffer = new ArrayBuffer(size);
    const numeric = new Map<string, NumericArray>();
    const strings = new Map<string, StringColumn>();
    staged.forEach((col, c) => {
      const { at, bytesAt, total } = offsets[c]!;
      if (col.texts) {
        const starts = new Uint32Array(buffer, at, n + 1);
        const bytes = new Uint8Array(buffer, bytesAt, total);
        let pos = 0;
        col.texts.forEach((b, i) => {
          starts[i] = pos;
          bytes.set(b, pos);
          pos += b.byteLength;
        });
        starts[n] = pos;
        strings.set(col.name, { offsets: starts, bytes });
      } else {
        const Ctor = NUMERIC[col.type as keyof typeof NUMERIC];
        const column = new Ctor(buffer, at, n);
        column.set(col.numbers as never);
        numeric.set(col.name, column);
      }
    });

    let index: Int32Array | undefined;
    if (key !== undefined) {
      index = new Int32Array(buffer, indexOffset, slots);
      const keys = numeric.get(key)!;
      const mask = slots - 1;
      for (let i = 0; i < n; i++) {
        let s = hash(keys[i]!) & mask;
        while (index[s] !== 0) {
          if (keys[index[s]! - 1] === keys[i]) throw invalid(`SharedTable.fromRecords: key ${keys[i]} of column "${key}" appears twice (records ${index[s]! - 1} and ${i}); keys must be unique`);
          s = (s + 1) & mask;
        }
        index[s] = i + 1; // 0 marks an empty slot
      }
    }
    return new SharedTable(schema, n, buffer, numeric, strings, key, index);
  }

  /** The typed array of a numeric or bool column (bool: 0/1 bytes). */
  column<K extends keyof S & string>(name: K): NumericArray {
    const c = this.#numeric.get(name);
    if (!c) throw invalid(`SharedTable.column: "${name}" is ${name in this.schema ? 'a string column; read it with get(row, name)' : `not a column (columns: ${Object.keys(this.schema).join(', ')})`}`);
    return c;
  }

  /** One cell. Strings are decoded on every call (a new string each time). */
  get<K extends keyof S & string>(row: number, name: K): ColumnValue<S[K]> {
    if (!(row >= 0 && row < this.length && Number.isInteger(row))) throw invalid(`SharedTable.get: row ${row} is outside 0..${this.length - 1}`);
    const type = this.schema[name];
    if (type === 'string') {
      const { offsets, bytes } = this.#strings.get(name)!;
      return decoder.decode(bytes.subarray(offsets[row]!, offsets[row + 1]!)) as ColumnValue<S[K]>;
    }
    const c = this.column(name);
    return (type === 'bool' ? c[row] === 1 : c[row]) as ColumnValue<S[K]>;
  }

  /** A row as a fresh plain object (convenient; allocates, so avoid it on hot paths). */
  row(row: number): TableRow<S> {
    const out: Record<string, unknown> = {};
    for (const name of Object.keys(this.schema)) out[name] = this.get(row, name);
    return out as TableRow<S>;
  }

  /** The row whose key column holds `key`, or -1 (needs the `key` option). */
  find(key: number): number {
    const index = this.#index;
    const keys = this.#keyColumn;
    if (!index || !keys) throw invalid('SharedTable.find: the table has no key column; pack it with fromRecords(records, schema, { key: "<integer column>" })');
    const mask = index.length - 1;
    let s = hash(key) & mask;
    for (;;) {
      const r = index[s]!;
      if (r === 0) return -1;
      if (keys[r - 1] === key) return r - 1;
      s = (s + 1) & mask;
    }
  }
}

/** A 32-bit integer mix (so consecutive keys spread over the index). */
function hash(k: number): number {
  let h = Math.imul(k | 0, 0x9e3779b1);
  h ^= h >>> 16;
  return h >>> 0;
}
