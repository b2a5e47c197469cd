// `cowloop run <options-file> [--events N] [--out DIR] [--workers N] [--strategy S]
//  [--fork-after K] [--set Client.Property=value]...`: runs a job. Flags are job-option
// overrides applied on top of the file, so the same job runs serially or in parallel from
// the command line. What a person sees while it runs (progress, messages, signals) and
// what it leaves (--json, --report, --mem-profile) is assembled here from src/cli/run/.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
// The public entry registers the built-in components and the fork steps (src/builtins.ts, src/fork-hooks.ts).
import '../../index.js';
import { CowloopError, ErrorCodes } from '../../errors.js';
import { MpEventLoopMgr } from '../../evtloop/mp-event-loop-mgr.js';
import { STRATEGIES } from '../../evtloop/plan.js';
import { createApplication, type Application, type RunSummary } from '../../framework/application.js';
import { loadJobOptions } from '../../options/load.js';
import { didYouMean } from '../../options/names.js';
import type { JobOptions, OptionValue, SourceLocation } from '../../options/types.js';
import { writeHtmlReport } from '../../report/html-report.js';
import { ShardRun } from '../../shard/run-shard.js';
import { RunRecorder } from '../../report/recorder.js';
import { useColour } from '../color.js';
import type { RegisterCommand } from '../commands.js';
import { InterruptHandler } from '../run/interrupt.js';
import { classify, errorLine, jsonSummary } from '../run/outcome.js';
import { LiveDisplay, PlainDisplay, SilentDisplay, type ProgressDisplay } from '../run/progress-display.js';

interface RunFlags {
  events?: string;
  out?: string;
  workers?: string;
  strategy?: string;
  forkAfter?: string;
  set: string[];
  summary?: string;
  timing?: boolean;
  json?: boolean;
  quiet?: boolean;
  report?: string;
  memProfile?: string;
  debugWorker?: boolean;
  progress?: string;
  shard?: string;
  strict?: boolean;
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
  if (flags.strategy !== undefined) {
    // Checked here: without --workers the serial loop would never look at it.
    if (!(STRATEGIES as readonly string[]).includes(flags.strategy)) {
      throw new CowloopError(
        ErrorCodes.ERR_COWLOOP_INVALID_ARGUMENT,
        `--strategy must be one of ${STRATEGIES.join(', ')} (got ${JSON.stringify(flags.strategy)})${didYouMean(flags.strategy, [...STRATEGIES])}`,
      );
    }
    set('MpEventLoopMgr', 'Strategy', flags.strategy);
  }
  if (flags.forkAfter !== undefined) {
    const k = flags.forkAfter === 'auto' ? 'auto' : Number(flags.forkAfter);
    if (k !== 'auto' && (!Number.isInteger(k) || k < 0)) {
      throw new CowloopError(ErrorCodes.ERR_COWLOOP_INVALID_ARGUMENT, `--fork-after must be "auto" or an integer >= 0 (got ${JSON.stringify(flags.forkAfter)})`);
    }
    set('MpEventLoopMgr', 'ForkAfterEvents', k);
  }
  if (flags.debugWorker) set('MpEventLoopMgr', 'DebugWorker', true);
  // --quiet: the job's INFO lines go too (components with their own OutputLevel keep it).
  if (flags.quiet) set('MessageSvc', 'OutputLevel', 'WARNING');
  for (const s of flags.set) set(...parseSet(s));
}

function timingTable(summary: RunSummary): string {
  const rows = summary.algorithms.map((a) => [a.name, a.type, String(a.calls), String(a.failures), a.totalMs.toFixed(1), (a.meanMs * 1000).toFixed(1)]);
  const head = ['algorithm', 'type', 'calls', 'failed', 'total ms', 'mean us'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (r: string[]): string => r.map((c, i) => (i < 2 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}

const PROGRESS_MODES = ['auto', 'live', 'plain', 'none'] as const;

async function chooseDisplay(file: string, flags: RunFlags): Promise<ProgressDisplay> {
  let mode = flags.progress ?? 'auto';
  if (!(PROGRESS_MODES as readonly string[]).includes(mode)) {
    throw new CowloopError(ErrorCodes.ERR_COWLOOP_INVALID_ARGUMENT, `--progress must be one of ${PROGRESS_MODES.join(', ')} (got ${JSON.stringify(mode)})`);
  }
  if (flags.quiet) mode = 'none';
  // A worker waiting for a debugger prints its pid on stderr: a live frame would paint over it.
  // A terminal that reports no size (some pseudo-terminals) would show an empty frame.
  if (mode === 'auto') mode = process.stderr.isTTY && process.stderr.columns > 0 && !flags.debugWorker ? 'live' : 'plain';
  if (mode === 'none') return new SilentDisplay();
  if (mode === 'plain') return new PlainDisplay(Number(process.env.COWLOOP_PROGRESS_INTERVAL ?? 5) * 1000);
  return LiveDisplay.create(path.basename(file), useColour(process.stderr));
}

function writeMemProfile(file: string, recorder: RunRecorder): void {
  const lines = recorder.memorySamples().map((m) => JSON.stringify({ tMs: Math.round(m.tMs), index: m.index, pid: m.pid, rss: m.rss, pss: m.pss, uss: m.uss }));
  fs.writeFileSync(file, lines.length ? `${lines.join('\n')}\n` : '');
}

function endLine(summary: RunSummary, app: Application): string {
  const loop = app.eventLoop;
  const how = loop instanceof MpEventLoopMgr && loop.runReport ? `${loop.runReport.workers.length} workers` : 'serially';
  return `cowloop: ${summary.processed} events, ${summary.failed} failed, in ${(summary.wallMs / 1000).toFixed(2)} s (${how})`;
}

/** Runs one job the way the command line asked; resolves to the exit code. */
async function runJob(file: string, flags: RunFlags): Promise<number> {
  const options = await loadJobOptions(file, { strict: flags.strict === true });
  applyRunFlags(options, flags);
  // --shard: this run is one share of the job; its outputs go to <out>/shards/<i>/ whole.
  const shard = flags.shard !== undefined ? ShardRun.prepare(file, flags.shard, options) : undefined;
  const display = await chooseDisplay(file, flags);
  // With --json, standard output carries the summary alone; the job's messages go to stderr.
  const messageFd = flags.json ? 2 : 1;
  const app = createApplication({ options, messageSink: { write: (line) => display.message(line, messageFd) } });
  const recorder = new RunRecorder({ job: file, memory: !flags.quiet || flags.report !== undefined || flags.memProfile !== undefined });
  let summary: RunSummary | undefined;
  let error: unknown;
  let interrupt: InterruptHandler | undefined;
  try {
    await app.configure();
    const loop = app.eventLoop;
    interrupt = new InterruptHandler(loop, (line) => display.message(line, 2));
    recorder.attach(loop);
    recorder.onSample((s) => {
      interrupt?.observe(s.sample.phase);
      display.update(s);
    });
    interrupt.install();
    if (shard) await shard.narrow(app, (line) => display.message(line, 2));
    summary = await app.run();
  } catch (e) {
    error = e;
  } finally {
    interrupt?.uninstall();
    display.close();
  }
  const { status, exitCode: runExitCode } = classify(error, summary);
  const loop = safeLoop(app);
  const workers = loop instanceof MpEventLoopMgr ? (loop.runReport?.workers.length ?? 0) : 0;
  const exitCode = shard ? shard.finish({ summary, error, exitCode: runExitCode, status, workers }) : runExitCode;
  const stats = summary?.algorithms ?? statsAfterError(loop);
  // A run that threw still tells what it did: the loop keeps its result up to date.
  const done = summary ?? loop?.lastResult;
  const record = recorder.finish({
    status,
    exitCode,
    eventLoop: summary?.eventLoop ?? loop?.type ?? '',
    ...(done
      ? { processed: done.processed, failed: done.failed }
      : { processed: Math.max(recorder.last?.sample.done ?? 0, stats[0]?.calls ?? 0) }),
    multiProcess: loop instanceof MpEventLoopMgr ? loop.runReport : undefined,
    error,
  });
  if (flags.report) writeHtmlReport(flags.report, record);
  if (flags.memProfile) writeMemProfile(flags.memProfile, recorder);
  if (flags.summary && summary) fs.writeFileSync(flags.summary, `${JSON.stringify(summary, null, 2)}\n`);
  if (error !== undefined) process.stderr.write(`${errorLine(error)}\n`);
  if (flags.json) {
    const files = { ...(flags.report ? { report: path.resolve(flags.report) } : {}), ...(flags.memProfile ? { memProfile: path.resolve(flags.memProfile) } : {}) };
    process.stdout.write(`${JSON.stringify(jsonSummary(record, summary, stats, files, done?.failedEvents, error), null, 2)}\n`);
  } else if (summary) {
    if (flags.timing) process.stdout.write(`${timingTable(summary)}\n`);
    if (!flags.quiet) process.stderr.write(`${endLine(summary, app)}\n`);
  }
  if (!flags.quiet && !flags.json && flags.report) process.stderr.write(`cowloop: report written to ${flags.report}\n`);
  return exitCode;
}

/**
 * Algorithm counters of a run that threw (a stop request, a failed event): in a serial run
 * they are exact; after a multi-process failure they hold the master's events only.
 */
function statsAfterError(loop: Application['eventLoop'] | undefined): RunSummary['algorithms'] {
  try {
    return loop ? loop.algorithmStats() : [];
  } catch {
    return [];
  }
}

function safeLoop(app: Application): Application['eventLoop'] | undefined {
  try {
    return app.eventLoop;
  } catch {
    return undefined;
  }
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
    .option('--fork-after <k>', 'fork after the master has processed K events, or "auto" (MpEventLoopMgr.ForkAfterEvents; default "auto")')
    .option('-s, --set <Client.Property=value>', 'override one job option (repeatable)', (v: string, all: string[]) => [...all, v], [])
    .option('--json', 'print a machine-readable summary (with the per-worker table) on stdout; messages go to stderr')
    .option('-q, --quiet', 'no progress display and no INFO messages')
    .option('--progress <mode>', 'progress display: auto (live on a terminal, else plain lines), live, plain or none', 'auto')
    .option('--report <file>', 'write a self-contained HTML report (memory per worker, events, timeline)')
    .option('--mem-profile <file>', 'write the memory of every process at each progress sample as NDJSON')
    .option('--debug-worker', 'each worker prints its pid and waits for SIGUSR1 after the fork (MpEventLoopMgr.DebugWorker)')
    .option('--strict', 'make a file included twice, and an include cycle, errors (Gaudi skips them with a warning)')
    .option('--summary <file>', 'write the run summary as JSON to FILE')
    .option('--timing', 'print per-algorithm timing at the end')
    .option('--shard <i/N>', 'run the i-th (from 0) of N contiguous shares of the events into <out>/shards/<i>/ (merge them with cowloop merge --job)')
    .action(async (file: string, flags: RunFlags) => {
      setExitCode(await runJob(file, flags));
    });
};
