// EventSelector: the framework's event source for NDJSON files, CSV files, ROOT TTrees and
// generators. The master indexes the inputs (or reads the trees' metadata) once at
// initialize; forked workers inherit that and re-open the files in ioReinit (new
// descriptors: no offset shared with the parent). ROOT reads are asynchronous: read(n),
// readOrSkip(n) and next() return a promise when a block of entries must be read first.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CowloopError, ErrorCodes } from '../../errors.js';
import { EventSelectorBase } from '../../framework/event-selector.js';
import type { EventRecord } from '../../framework/event-source.js';
import { prop, type PropertyDecls, type PropsOf } from '../../framework/properties.js';
import type { IoComponent, IoReinitContext } from '../../framework/io-component.js';
import { openRecordSource, type InputFileRange, type InputRecord, type RecordSource } from '../readers/record-source.js';
import { parseGeneratorInput } from '../readers/generator.js';
import { RootSource } from '../root/root-source.js';

const selectorProperties = {
  ...EventSelectorBase.properties,
  Input: prop.list(prop.string(), [], 'input files read one after the other (.ndjson, .jsonl, .csv, or .root with the optional jsroot package), or one "generator:[<name>:]<N>"'),
  Format: prop.choice(['auto', 'ndjson', 'csv', 'root'] as const, 'auto', 'record format of the inputs; auto: by file extension'),
  TreeName: prop.string('', 'ROOT inputs: the TTree read from each file; empty: the file\'s only TTree'),
  Branches: prop.list(prop.string(), [], 'ROOT inputs: the branches read, each a field of the event record; empty: every branch cowloop can read'),
  RootUnvetted: prop.bool(false, 'ROOT inputs: also read branch kinds cowloop has not checked (objects, leaf lists...); jsroot may read them wrongly'),
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
  #root: RootSource | null = null;
  #open = false;
  /** Closed since the last (re)open: the next open() takes fresh descriptors. */
  #closedOnce = false;
  /** Pending reads: the next event wanted and the stride between events. */
  #next = 0;
  #stride = 1;
  #reader: Generator<InputRecord> | null = null;
  #skipped: SkippedRecord[] = [];

  override initialize(): void | Promise<void> {
    // Index now, in the master, so workers inherit the index instead of rebuilding it.
    this.#skipped = [];
    const inputs = this.#resolveInputs();
    if (this.#isRoot(inputs)) return this.#initializeRoot(inputs);
    this.#source = openRecordSource(inputs, { format: this.props.Format === 'root' ? 'auto' : this.props.Format, csvNumbers: this.props.CsvNumbers });
    this.#logInputs(this.#source.files);
  }

  #logInputs(files: readonly InputFileRange[]): void {
    const size = files.reduce((n, f) => n + f.count, 0);
    this.log.info(
      `${size} events in ${files.length} input${files.length === 1 ? '' : 's'}: ${files.map((f) => `${f.path} (${f.count})`).join(', ')}`,
    );
  }

  /** ROOT inputs: all of them .root (or Format = "root"); mixing with other formats is refused. */
  #isRoot(inputs: readonly string[]): boolean {
    if (this.props.Format === 'root') return true;
    if (this.props.Format !== 'auto') return false;
    const root = inputs.filter((i) => path.extname(i).toLowerCase() === '.root');
    if (root.length === 0) return false;
    if (root.length !== inputs.length) {
      const other = inputs.find((i) => path.extname(i).toLowerCase() !== '.root');
      throw new CowloopError(
        ErrorCodes.ERR_COWLOOP_IO_FORMAT,
        `${this.name}.Input mixes ROOT files with other inputs (${other}): one job reads one kind of input`,
      );
    }
    return true;
  }

  async #initializeRoot(inputs: string[]): Promise<void> {
    this.#root = await RootSource.open(inputs, {
      treeName: this.props.TreeName,
      branches: this.props.Branches,
      unvetted: this.props.RootUnvetted,
    });
    this.#logInputs(this.#root.files);
    const first = this.#root.rootFiles[0];
    const skipped = first.allBranches.filter((b) => !first.branches.includes(b));
    const baskets = Math.max(1, first.basketStarts.length);
    this.log.info(
      `tree "${first.treeName}": ${first.branches.length} branches read; baskets of about ${Math.ceil(first.entries / baskets)} entries ` +
        '(a ChunkSize that is a multiple of it reads each basket once)',
    );
    if (skipped.length > 0 && this.props.Branches.length === 0) {
      const list = skipped.slice(0, 10).map((b) => `${b.name} (${b.type})`).join(', ');
      this.log.info(`${skipped.length} branch${skipped.length === 1 ? ' is' : 'es are'} not read (kinds cowloop does not read): ${list}${skipped.length > 10 ? ', ...' : ''}`);
    }
  }

  override finalize(): void {
    this.close();
    this.#source?.close();
    this.#source = null;
    this.#root?.close();
    this.#root = null;
  }

  // ---- EventSource ----

  open(): void {
    const source = this.#requireInput();
    if (!this.#open) {
      // Closed earlier in this process: take fresh descriptors.
      if (this.#closedOnce) source.reopen();
      this.#open = true;
    }
    this.#next = 0;
    this.#stride = 1;
    this.#reader = null;
  }

  next(): EventRecord | null | Promise<EventRecord | null> {
    if (this.#root) return this.#nextRoot();
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

  async #nextRoot(): Promise<EventRecord | null> {
    const size = this.#requireInput().size;
    if (!this.#open) this.open();
    while (this.#next < size) {
      const n = this.#next;
      this.#next += this.#stride;
      const pending = this.readOrSkip(n);
      const record = pending instanceof Promise ? await pending : pending;
      if (record) return record;
    }
    return null;
  }

  /** The next record returned is `number`; reading goes on from there one by one. */
  seek(number: number): void {
    if (number === this.#next && this.#stride === 1 && this.#reader) return;
    this.#next = number;
    this.#stride = 1;
    this.#reader = null;
  }

  count(): number {
    return this.#requireInput().size;
  }

  close(): void {
    if (this.#open) {
      this.#source?.close();
      this.#root?.close();
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
    if (this.#root) {
      throw new CowloopError(ErrorCodes.ERR_COWLOOP_INVALID_ARGUMENT, `${this.name}.readRange reads NDJSON and CSV inputs; read ROOT inputs with read(n) or next()`);
    }
    if (this.props.OnBadRecord === 'skip') {
      const end = Math.min(first + count, this.#requireSource().size);
      for (let n = first; n < end; n++) {
        const record = this.readOrSkip(n) as EventRecord | null; // NDJSON and CSV read synchronously
        if (record) yield record;
      }
      return;
    }
    for (const r of this.#requireSource().readRange(first, count)) yield this.#toEvent(r);
  }

  /** One event by number (random access through the index). */
  read(number: number): EventRecord | Promise<EventRecord> {
    if (this.#root) {
      const r = this.#root.read(number);
      return r instanceof Promise ? r.then((x) => this.#toEvent(x)) : this.#toEvent(r);
    }
    return this.#toEvent(this.#requireSource().read(number));
  }

  /**
   * Like read(), but under OnBadRecord = "skip" a bad record is logged, counted and gives
   * null (the event loops then go on with the next event).
   */
  readOrSkip(number: number): EventRecord | null | Promise<EventRecord | null> {
    try {
      const r = this.read(number);
      return r instanceof Promise ? r.catch((error: unknown) => this.#skipOrThrow(number, error)) : r;
    } catch (error) {
      return this.#skipOrThrow(number, error);
    }
  }

  #skipOrThrow(number: number, error: unknown): null {
    if (this.props.OnBadRecord !== 'skip' || (error as CowloopError).code !== ErrorCodes.ERR_COWLOOP_IO_BAD_RECORD) throw error;
    const message = (error as Error).message;
    this.#skipped.push({ event: number, message });
    this.log.warning(`${message}: skipped (OnBadRecord = "skip")`);
    return null;
  }

  /** Records this process skipped as bad since initialize (a forked worker: since its fork). */
  get skippedRecords(): readonly SkippedRecord[] {
    return this.#skipped;
  }

  /** Each input file's range of event numbers (the "files" strategy gives file i to worker i mod N). */
  files(): readonly InputFileRange[] {
    return this.#requireInput().files;
  }

  // ---- IoComponent ----

  ioReinit(_ctx: IoReinitContext): void {
    const source = this.#requireInput();
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

  /** The ROOT source or the record source: what open, count, files and reopen need. */
  #requireInput(): { readonly size: number; readonly files: readonly InputFileRange[]; reopen(): void } {
    return this.#root ?? this.#requireSource();
  }

  #requireSource(): RecordSource {
    if (!this.#source) {
      if (this.#root) {
        throw new CowloopError(ErrorCodes.ERR_COWLOOP_INVALID_ARGUMENT, `${this.name}: this operation reads NDJSON and CSV inputs, not ROOT inputs`);
      }
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
        `${this.name}.Input is empty: give a list of .ndjson/.csv/.root files or "generator:<N>"`,
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
