// The events of a job: several input files read as one sequence, or a generator.
// Event numbers are 0-based positions in that sequence, so every process agrees on them.
import { CowloopError, ErrorCodes } from '../../errors.js';
import { recordFormatOf, type RecordFormat } from '../format.js';
import { findEventGenerator, parseGeneratorInput, type EventGenerator } from './generator.js';
import { RecordFile, type RecordData } from './record-file.js';

export interface InputRecord {
  /** 0-based event number within all inputs. */
  event: number;
  data: RecordData;
  /** Where it came from: a file path, or `generator:<name>`. */
  file: string;
  /** 1-based line in `file` (0 for generated events; for ROOT files, the 0-based entry in its tree). */
  line: number;
}

/** The events of one input file, as a range of event numbers (the "files" strategy uses it). */
export interface InputFileRange {
  path: string;
  format: RecordFormat | 'generator' | 'root';
  first: number;
  count: number;
}

export interface RecordSource {
  /** Number of events available. */
  readonly size: number;
  readonly files: readonly InputFileRange[];
  read(event: number): InputRecord;
  /** Events first .. first + count - 1 (clipped to the end). */
  readRange(first: number, count: number): Generator<InputRecord>;
  /** Events first, first + stride, ... up to `count` of them (count defaults to all). */
  readStrided(first: number, stride: number, count?: number): Generator<InputRecord>;
  /** New descriptors for every file; call in a forked child before reading. */
  reopen(): void;
  close(): void;
}

export interface OpenSourceOptions {
  /** "auto" (by extension), "ndjson" or "csv". */
  format?: string;
  /** CSV: fields in JSON number syntax become numbers (default true). */
  csvNumbers?: boolean;
}

/** Opens a list of inputs: file paths, or one `generator:[<name>:]<N>`. */
export function openRecordSource(inputs: readonly string[], options: OpenSourceOptions = {}): RecordSource {
  if (inputs.length === 0) {
    throw new CowloopError(ErrorCodes.ERR_COWLOOP_IO_INPUT, 'no input given: set EventSelector.Input to a list of files or "generator:<N>"');
  }
  const generators = inputs.map(parseGeneratorInput);
  if (generators.some((g) => g !== null)) {
    if (inputs.length !== 1) {
      throw new CowloopError(ErrorCodes.ERR_COWLOOP_IO_INPUT, `a generator input cannot be combined with other inputs (got ${inputs.length} inputs)`);
    }
    const spec = generators[0]!;
    return new GeneratorSource(spec.name, findEventGenerator(spec.name), spec.count);
  }
  const files: RecordFile[] = [];
  try {
    for (const input of inputs) files.push(RecordFile.open(input, recordFormatOf(input, options.format), { csvNumbers: options.csvNumbers }));
  } catch (error) {
    for (const f of files) f.close();
    throw error;
  }
  return new FileSequenceSource(files);
}

function checkEvent(event: number, size: number): void {
  if (!Number.isInteger(event) || event < 0 || event >= size) {
    throw new CowloopError(
      ErrorCodes.ERR_COWLOOP_IO_INPUT,
      `event ${event} is out of range: the inputs hold ${size} events (0..${size - 1})`,
    );
  }
}

function checkStride(first: number, stride: number): void {
  if (!Number.isInteger(first) || first < 0 || !Number.isInteger(stride) || stride < 1) {
    throw new CowloopError(
      ErrorCodes.ERR_COWLOOP_INVALID_ARGUMENT,
      `first must be a whole number >= 0 and stride >= 1 (got first ${first}, stride ${stride})`,
    );
  }
}

export class FileSequenceSource implements RecordSource {
  readonly size: number;
  readonly files: readonly InputFileRange[];
  readonly #files: RecordFile[];

  constructor(files: RecordFile[]) {
    this.#files = files;
    let first = 0;
    this.files = files.map((f) => {
      const range = { path: f.path, format: f.format, first, count: f.count };
      first += f.count;
      return range;
    });
    this.size = first;
  }

  read(event: number): InputRecord {
    checkEvent(event, this.size);
    // Binary search for the file holding the event.
    let lo = 0;
    let hi = this.files.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.files[mid].first <= event) lo = mid;
      else hi = mid - 1;
    }
    while (this.files[lo].count === 0 || event >= this.files[lo].first + this.files[lo].count) lo++;
    const range = this.files[lo];
    const file = this.#files[lo];
    const k = event - range.first;
    return { event, data: file.read(k), file: range.path, line: file.index.lines[k] };
  }

  readRange(first: number, count: number): Generator<InputRecord> {
    return this.readStrided(first, 1, count);
  }

  *readStrided(first: number, stride: number, count = Infinity): Generator<InputRecord> {
    checkStride(first, stride);
    let left = count;
    let next = first; // next global event wanted
    for (let i = 0; i < this.#files.length && left > 0; i++) {
      const range = this.files[i];
      const end = range.first + range.count;
      if (next >= end) continue;
      const file = this.#files[i];
      const want = Math.min(left, Math.ceil((end - next) / stride));
      for (const r of file.readStrided(next - range.first, stride, want)) {
        yield { event: range.first + r.k, data: r.data, file: range.path, line: r.line };
      }
      left -= want;
      next += want * stride;
    }
  }

  reopen(): void {
    for (const f of this.#files) f.reopen();
  }

  close(): void {
    for (const f of this.#files) f.close();
  }
}

export class GeneratorSource implements RecordSource {
  readonly size: number;
  readonly files: readonly InputFileRange[];
  readonly #generate: EventGenerator;
  readonly #label: string;

  constructor(name: string, generate: EventGenerator, count: number) {
    this.size = count;
    this.#generate = generate;
    this.#label = `generator:${name}`;
    this.files = [{ path: this.#label, format: 'generator', first: 0, count }];
  }

  read(event: number): InputRecord {
    checkEvent(event, this.size);
    return { event, data: this.#generate(event), file: this.#label, line: 0 };
  }

  readRange(first: number, count: number): Generator<InputRecord> {
    return this.readStrided(first, 1, count);
  }

  *readStrided(first: number, stride: number, count = Infinity): Generator<InputRecord> {
    checkStride(first, stride);
    for (let e = first, n = 0; e < this.size && n < count; e += stride, n++) {
      yield { event: e, data: this.#generate(e), file: this.#label, line: 0 };
    }
  }

  reopen(): void {}

  close(): void {}
}
