// MessageSvc: formats and writes every component's messages as aligned lines
//   "Finder               INFO    found 3 tracks"
// Lines go to standard output by default (as in Gaudi; stderr stays for cowloop's own
// fatal errors), or to the file named by MessageSvc.Output, or to a sink given by the
// embedding code. Each line is written synchronously (fs.writeSync), so nothing is lost
// when a forked worker leaves with _exit().
import * as fs from 'node:fs';
import { writeAllSync } from '../../util/write-all-sync.js';
import * as path from 'node:path';
import type { IoComponent, IoReinitContext } from '../io-component.js';
import type { MessageReporter } from '../component.js';
import { Level, levelName, type LevelName, type LevelNumber } from '../levels.js';
import { prop, type PropertyDecls, type PropsOf } from '../properties.js';
import { Service } from '../service.js';

/** Receives finished lines (without the trailing newline). */
export interface MessageSink {
  write(line: string): void;
}

/** Writes lines to a file descriptor synchronously, retrying when a pipe is full. */
export function fdSink(fd: number): MessageSink {
  return {
    write(line: string): void {
      writeAllSync(fd, Buffer.from(`${line}\n`));
    },
  };
}


const messageProperties = {
  NameWidth: prop.int(20, 'width of the component-name column', { min: 1, max: 200 }),
  Output: prop.string('', 'file to write messages to (relative to ApplicationMgr.OutputDir); empty: standard output'),
};

export class MessageSvc extends Service implements MessageReporter, IoComponent {
  static override properties: PropertyDecls = messageProperties;
  declare readonly props: PropsOf<typeof messageProperties>;

  /** Messages written per level (by name), for the run summary. */
  readonly counts: Record<LevelName, number> = { VERBOSE: 0, DEBUG: 0, INFO: 0, WARNING: 0, ERROR: 0, FATAL: 0 };
  #sink: MessageSink;
  #fileFd: number | undefined;
  readonly #externalSink: boolean;

  constructor(name: string, context?: ConstructorParameters<typeof Service>[1], sink?: MessageSink) {
    super(name, context);
    this.#externalSink = sink !== undefined;
    this.#sink = sink ?? fdSink(1);
  }

  /** Replaces where lines go (e.g. to collect them in a test or a GUI). */
  setSink(sink: MessageSink): void {
    this.#sink = sink;
  }

  threshold(own: LevelNumber | null): LevelNumber {
    return own ?? this.outputLevel ?? Level.INFO;
  }

  report(source: string, level: LevelNumber, text: string): void {
    const name = levelName(level);
    this.counts[name]++;
    const prefix = `${source.padEnd(this.props.NameWidth)} ${name.padEnd(7)} `;
    for (const line of text.split('\n')) this.#sink.write(prefix + line);
  }

  /** Formats one line the way report writes it (for tools that print tables through MessageSvc). */
  formatLine(source: string, level: LevelNumber, text: string): string {
    return `${source.padEnd(this.props.NameWidth)} ${levelName(level).padEnd(7)} ${text}`;
  }

  override initialize(): void {
    if (this.props.Output && !this.#externalSink) this.#openFile(this.resolveOutput(this.props.Output));
  }

  override finalize(): void {
    this.#closeFile();
  }

  ioReinit(ctx: IoReinitContext): void {
    if (this.#fileFd === undefined) return;
    this.#closeFile();
    this.#openFile(path.join(ctx.workerDir, path.basename(this.props.Output)));
  }

  ioFinalize(): void {
    this.#closeFile();
  }

  #openFile(file: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const fd = fs.openSync(file, 'a');
    this.#fileFd = fd;
    this.#sink = fdSink(fd);
  }

  #closeFile(): void {
    if (this.#fileFd === undefined) return;
    fs.closeSync(this.#fileFd);
    this.#fileFd = undefined;
    this.#sink = fdSink(1);
  }
}
