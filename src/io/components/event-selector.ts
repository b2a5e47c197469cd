// EventSelector: the framework's event source for NDJSON files, CSV files and generators.
// The master indexes the inputs once at initialize; forked workers inherit the index and
// re-open the files in ioReinit (new descriptors: no offset shared with the parent).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CowloopError, ErrorCodes } from '../../errors.js';
import { EventSelectorBase } from '../../framework/event-selector.js';
import type { EventRecord } from '../../framework/event-source.js';
import { prop, type PropertyDecls, type PropsOf } from '../../framework/properties.js';
import type { IoComponent, IoReinitContext } from '../io-component.js';
import { openRecordSource, type InputFileRange, type InputRecord, type RecordSource } from '../readers/record-source.js';
import { parseGeneratorInput } from '../readers/generator.js';

const selectorProperties = {
  ...EventSelectorBase.properties,
  Input: prop.list(prop.string(), [], 'input files read one after the other (.ndjson, .jsonl, .csv), or one "generator:[<name>:]<N>"'),
  Format: prop.choice(['auto', 'ndjson', 'csv'] as const, 'auto', 'record format of the inputs; auto: by file extension'),
  CsvNumbers: prop.bool(true, 'CSV inputs: fields in JSON number syntax become numbers; false keeps every field a string'),
  RunNumber: prop.int(1, 'run number of events whose record has no integer "run" field', { min: 0 }),
  OnBadRecord: prop.choice(['fail', 'skip'] as const, 'fail',
    'a record that cannot be read (bad JSON or CSV, wrong field count, invalid UTF-8): fail the job, or log where it is, skip it and count it'),
};

/** A record left out under OnBadRecord = "skip": its event number and what was wrong (file:line). */
export interface SkippedRecord {
  event: number;
  message: string;
}

export class EventSelector extends EventSelectorBase implements IoComponent {
  static override properties: PropertyDecls = selectorProperties;
  static readonly typeName = 'EventSelector';
  declare readonly props: PropsOf<typeof selectorProperties>;

  #source: RecordSource | null = null;
  #open = false;
  /** Closed since the last (re)open: the next open() takes fresh descriptors. */
  #closedOnce = false;
  /** Pending reads: the next event wanted and the stride between events. */
  #next = 0;
  #stride = 1;
  #reader: Generator<InputRecord> | null = null;
  #skipped: SkippedRecord[] = [];

  override initialize(): void {
    // Index now, in the master, so workers inherit the index instead of rebuilding it.
    this.#skipped = [];
    this.#source = openRecordSource(this.#resolveInputs(), { format: this.props.Format, csvNumbers: this.props.CsvNumbers });
    const files = this.#source.files;
    this.log.info(
      `${this.#source.size} events in ${files.length} input${files.length === 1 ? '' : 's'}: ${files.map((f) => `${f.path} (${f.count})`).join(', ')}`,
    );
  }

  override finalize(): void {
    this.close();
    this.#source?.close();
    this.#source = null;
  }

  // ---- EventSource ----

  open(): void {
    const source = this.#requireSource();
    if (!this.#open) {
      // Closed earlier in this process: take fresh descriptors.
      if (this.#closedOnce) source.reopen();
      this.#open = true;
    }
    this.#next = 0;
    this.#stride = 1;
    this.#reader = null;
  }

  next(): EventRecord | null {
    const source = this.#requireSource();
    if (!this.#open) this.open();
    if (this.props.OnBadRecord === 'skip') {
      // Record by record, so a bad one costs only itself (read() reads ahead in blocks).
      while (this.#next < source.size) {
        const record = this.readOrSkip(this.#next);
        this.#next += this.#stride;
        if (record) return record;
      }
      return null;
    }
    if (!this.#reader) this.#reader = source.readStrided(this.#next, this.#stride);
    const r = this.#reader.next();
    if (r.done) return null;
    this.#next = r.value.event + this.#stride;
    return this.#toEvent(r.value);
  }

  /** The next record returned is `number`; reading goes on from there one by one. */
  seek(number: number): void {
    if (number === this.#next && this.#stride === 1 && this.#reader) return;
    this.#next = number;
    this.#stride = 1;
    this.#reader = null;
  }

  count(): number {
    return this.#requireSource().size;
  }

  close(): void {
    if (this.#open) {
      this.#source?.close();
      this.#open = false;
      this.#closedOnce = true;
    }
    this.#reader = null;
  }

  // ---- beyond EventSource: what the multi-process loop uses ----

  /**
   * From now on `next()` returns events first, first + stride, ... (round-robin: worker w
   * of N calls `select(w, N)`). Only the chosen records are parsed.
   */
  select(first: number, stride: number): void {
    if (!Number.isInteger(stride) || stride < 1 || !Number.isInteger(first) || first < 0) {
      throw new CowloopError(ErrorCodes.ERR_COWLOOP_INVALID_ARGUMENT, `select(first, stride) needs whole numbers first >= 0 and stride >= 1 (got ${first}, ${stride})`);
    }
    this.#next = first;
    this.#stride = stride;
    this.#reader = null;
  }

  /** Events first .. first + count - 1, for range-based dispatch. */
  *readRange(first: number, count: number): Generator<EventRecord> {
    if (this.props.OnBadRecord === 'skip') {
      const end = Math.min(first + count, this.#requireSource().size);
      for (let n = first; n < end; n++) {
        const record = this.readOrSkip(n);
        if (record) yield record;
      }
      return;
    }
    for (const r of this.#requireSource().readRange(first, count)) yield this.#toEvent(r);
  }

  /** One event by number (random access through the index). */
  read(number: number): EventRecord {
    return this.#toEvent(this.#requireSource().read(number));
  }

  /**
   * Like read(), but under OnBadRecord = "skip" a bad record is logged, counted and gives
   * null (the event loops then go on with the next event).
   */
  readOrSkip(number: number): EventRecord | null {
    try {
      return this.read(number);
    } catch (error) {
      if (this.props.OnBadRecord !== 'skip' || (error as CowloopError).code !== ErrorCodes.ERR_COWLOOP_IO_BAD_RECORD) throw error;
      const message = (error as Error).message;
      this.#skipped.push({ event: number, message });
      this.log.warning(`${message}: skipped (OnBadRecord = "skip")`);
      return null;
    }
  }

  /** Records this process skipped as bad since initialize (a forked worker: since its fork). */
  get skippedRecords(): readonly SkippedRecord[] {
    return this.#skipped;
  }

  /** Each input file's range of event numbers (the "files" strategy gives file i to worker i mod N). */
  files(): readonly InputFileRange[] {
    return this.#requireSource().files;
  }

  // ---- IoComponent ----

  ioReinit(_ctx: IoReinitContext): void {
    const source = this.#requireSource();
    source.reopen();
    this.#skipped = []; // the master's count is the master's
    this.#open = true;
    this.#closedOnce = false;
    this.#reader = null;
  }

  ioFinalize(): void {
    this.close();
  }

  #toEvent(r: InputRecord): EventRecord {
    const run = (r.data as { run?: unknown }).run;
    return { number: r.event, run: Number.isInteger(run) ? (run as number) : this.props.RunNumber, data: r.data };
  }

  #requireSource(): RecordSource {
    if (!this.#source) {
      throw new CowloopError(ErrorCodes.ERR_COWLOOP_IO_INPUT, `${this.name}: the inputs are not open yet (initialize the application first)`);
    }
    return this.#source;
  }

  /**
   * Relative paths are taken from the working directory, or failing that from the directory
   * of the options file that set Input (so a job runs from anywhere).
   */
  #resolveInputs(): string[] {
    const inputs = this.props.Input;
    if (inputs.length === 0) {
      throw new CowloopError(
        ErrorCodes.ERR_COWLOOP_IO_INPUT,
        `${this.name}.Input is empty: give a list of .ndjson/.csv files or "generator:<N>"`,
      );
    }
    const where = this.propertyLocation('Input');
    const from = where?.file;
    return inputs.map((input) => {
      if (parseGeneratorInput(input) || path.isAbsolute(input) || fs.existsSync(input)) return input;
      const beside = from && !from.startsWith('<') ? path.join(path.dirname(from), input) : undefined;
      if (beside && fs.existsSync(beside)) return beside;
      const set = where ? ` (set at ${where.file}:${where.line}:${where.column})` : '';
      throw new CowloopError(
        ErrorCodes.ERR_COWLOOP_IO_INPUT,
        `cannot open input ${input}: no such file in the working directory (${process.cwd()})` +
          (beside ? ` nor beside the options file (${path.dirname(beside)})` : '') +
          `: check ${this.name}.Input${set}; relative paths resolve against the working directory, then beside the options file that sets them`,
      );
    });
  }
}
