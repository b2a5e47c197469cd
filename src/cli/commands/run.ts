// `cowloop run <options-file> [--events N] [--out DIR] [--workers N] [--strategy S]
//  [--fork-after K] [--set Client.Property=value]...`: runs a job. Flags are job-option
// overrides applied on top of the file, so the same job runs serially or in parallel from
// the command line.
import * as fs from 'node:fs';
import type { Command } from 'commander';
// Every area registers its components (EventSelector, OutputStream, MpEventLoopMgr) on import.
import '../../index.js';
import { CowloopError, ErrorCodes } from '../../errors.js';
import { createApplication, type RunSummary } from '../../framework/application.js';
import { loadJobOptions } from '../../options/load.js';
import type { JobOptions, OptionValue, SourceLocation } from '../../options/types.js';
import type { RegisterCommand } from '../commands.js';
import { EXIT } from '../exit-codes.js';

interface RunFlags {
  events?: string;
  out?: string;
  workers?: string;
  strategy?: string;
  forkAfter?: string;
  set: string[];
  summary?: string;
  timing?: boolean;
}

const COMMAND_LINE: SourceLocation = { file: '<command line>', line: 1, column: 1 };

function integer(flag: string, text: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) {
    throw new CowloopError(ErrorCodes.ERR_COWLOOP_INVALID_ARGUMENT, `${flag} must be an integer >= ${min} (got ${JSON.stringify(text)})`);
  }
  return n;
}

/** `Client.Property=value`; the value is read as JSON when it parses, else as a string. */
function parseSet(text: string): [string, string, OptionValue] {
  const m = /^([A-Za-z_][\w.:]*)\.([A-Za-z_]\w*)=(.*)$/s.exec(text);
  if (!m) {
    throw new CowloopError(ErrorCodes.ERR_COWLOOP_INVALID_ARGUMENT, `--set must look like Client.Property=value (got ${JSON.stringify(text)})`);
  }
  let value: OptionValue;
  try {
    value = JSON.parse(m[3] as string) as OptionValue;
  } catch {
    value = m[3] as string;
  }
  return [m[1] as string, m[2] as string, value];
}

/** Applies the command-line flags to the options as overrides. */
export function applyRunFlags(options: JobOptions, flags: RunFlags): void {
  const set = (client: string, property: string, value: OptionValue): void => options.set(client, property, value, COMMAND_LINE);
  if (flags.events !== undefined) set('ApplicationMgr', 'EvtMax', integer('--events', flags.events, -1));
  if (flags.out !== undefined) set('ApplicationMgr', 'OutputDir', flags.out);
  if (flags.workers !== undefined) {
    const n = integer('--workers', flags.workers, -1);
    set('ApplicationMgr', 'EventLoop', n === 0 ? 'EventLoopMgr' : 'MpEventLoopMgr');
    set('MpEventLoopMgr', 'NWorkers', n);
  }
  if (flags.strategy !== undefined) set('MpEventLoopMgr', 'Strategy', flags.strategy);
  if (flags.forkAfter !== undefined) set('MpEventLoopMgr', 'ForkAfterEvents', integer('--fork-after', flags.forkAfter, 0));
  for (const s of flags.set) set(...parseSet(s));
}

function timingTable(summary: RunSummary): string {
  const rows = summary.algorithms.map((a) => [a.name, a.type, String(a.calls), String(a.failures), a.totalMs.toFixed(1), (a.meanMs * 1000).toFixed(1)]);
  const head = ['algorithm', 'type', 'calls', 'failed', 'total ms', 'mean us'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (r: string[]): string => r.map((c, i) => (i < 2 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}

export const registerRunCommand: RegisterCommand = (program: Command, setExitCode) => {
  program
    .command('run')
    .description('run a job: read events, run the algorithms, write outputs')
    .argument('<options-file>', 'job options file (.opts, .json, .js, .mjs)')
    .option('--events <n>', 'process at most N events (ApplicationMgr.EvtMax; -1: all)')
    .option('--out <dir>', 'directory relative output paths resolve against (ApplicationMgr.OutputDir)')
    .option('--workers <n>', 'worker processes (0: serial; -1: one per core); selects MpEventLoopMgr')
    .option('--strategy <s>', 'event dispatch: roundrobin, sharedqueue, ranges or files (MpEventLoopMgr.Strategy)')
    .option('--fork-after <k>', 'fork after the master has processed K events (MpEventLoopMgr.ForkAfterEvents)')
    .option('-s, --set <Client.Property=value>', 'override one job option (repeatable)', (v: string, all: string[]) => [...all, v], [])
    .option('--summary <file>', 'write the run summary as JSON to FILE')
    .option('--timing', 'print per-algorithm timing at the end')
    .action(async (file: string, flags: RunFlags) => {
      const options = await loadJobOptions(file);
      applyRunFlags(options, flags);
      const app = createApplication({ options });
      let summary: RunSummary;
      try {
        summary = await app.run();
      } catch (error) {
        if (error instanceof CowloopError && error.code === ErrorCodes.ERR_COWLOOP_EVENT_FAILED) {
          process.stderr.write(`cowloop: ${error.message} [${error.code}]\n`);
          setExitCode(EXIT.EVENTS_FAILED);
          return;
        }
        if (error instanceof CowloopError && error.code === ErrorCodes.ERR_COWLOOP_INTERRUPTED) {
          process.stderr.write(`cowloop: ${error.message} [${error.code}]\n`);
          setExitCode(EXIT.INTERRUPTED);
          return;
        }
        if (
          error instanceof CowloopError &&
          (error.code === ErrorCodes.ERR_COWLOOP_WORKER_FAILED || error.code === ErrorCodes.ERR_COWLOOP_POISON_EVENT)
        ) {
          process.stderr.write(`cowloop: ${error.message} [${error.code}]\n`);
          setExitCode(EXIT.EVENTS_FAILED);
          return;
        }
        if (error instanceof CowloopError && error.code === ErrorCodes.ERR_COWLOOP_COMPONENT_FAILED) {
          process.stderr.write(`cowloop: ${error.message} [${error.code}]\n`);
          setExitCode(EXIT.FAILURE);
          return;
        }
        throw error;
      }
      if (flags.timing) process.stdout.write(`${timingTable(summary)}\n`);
      if (flags.summary) fs.writeFileSync(flags.summary, `${JSON.stringify(summary, null, 2)}\n`);
      setExitCode(summary.failed > 0 ? EXIT.EVENTS_FAILED : EXIT.OK);
    });
};
