// The cowloop command: re-executes node with --single-threaded (fork() needs it and it
// cannot be set at run time or through NODE_OPTIONS), then dispatches subcommands.
import { spawn } from 'node:child_process';
import { Command, CommanderError } from 'commander';
import { CowloopError } from '../errors.js';
import { commands } from './commands.js';
import { eventStatus, STATUS_FD_ENV } from '../evtloop/event-status.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { JobWatch, openStatusFile } from './job-watch.js';
import { workerNodeFlags } from './node-flags.js';

function version(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../../../package.json') as { version: string }).version;
}

/** Commands that never fork: they run in the first node, which saves a second node start. */
const RUN_IN_PLACE = new Set(['merge', 'options', 'status', 'submit', 'mem', 'help']);

/** True when argv names a command that never forks (or asks only for help or the version). */
export function runsInPlace(argv: string[]): boolean {
  const first = argv.find((a) => !a.startsWith('-'));
  if (first === undefined) return argv.length > 0; // --help, --version: no command runs
  return RUN_IN_PLACE.has(first);
}

/** Runs the CLI in a node started with the flags cowloop needs, re-executing if necessary. */
export function main(argv: string[]): void {
  const singleThreaded = process.execArgv.includes('--single-threaded');
  if (!singleThreaded && !runsInPlace(argv)) {
    reexec(argv);
    return;
  }
  // The job's side of the launcher's watch: map the status file now, before anything forks.
  if (singleThreaded) eventStatus.setTimeoutMs(0);
  run(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.exitCode = reportError(error);
    },
  );
}

function reexec(argv: string[]): void {
  const script = require.resolve('../../../bin/cowloop.js');
  const args = [...workerNodeFlags(), ...process.execArgv, script, ...argv];
  // The job publishes the event in hand in this file (fd 3 in the job) for the watch below.
  const statusFd = openStatusFile();
  const child = spawn(process.execPath, args, {
    stdio: ['inherit', 'inherit', 'inherit', statusFd],
    env: { ...process.env, [STATUS_FD_ENV]: '3' },
  });
  const watch = new JobWatch(child, statusFd);
  const forward = (signal: NodeJS.Signals) => () => {
    child.kill(signal);
    watch.signalled(signal);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGUSR1', 'SIGUSR2'];
  const handlers = signals.map((s) => [s, forward(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  child.on('exit', (code, signal) => {
    for (const [s, h] of handlers) process.off(s, h);
    watch.close();
    if (watch.exitCode !== undefined) {
      process.exitCode = watch.exitCode;
      return;
    }
    if (signal) {
      // Die of the same signal so a shell sees what happened.
      process.kill(process.pid, signal);
      return;
    }
    process.exitCode = code ?? EXIT.FAILURE;
  });
}

/** Parses argv and runs the chosen command; resolves to the exit code. */
export async function run(argv: string[]): Promise<number> {
  const program = new Command();
  program
    .name('cowloop')
    .description('Fork-and-copy-on-write event processing for Node.js')
    .version(version(), '-V, --version')
    .showSuggestionAfterError(true)
    .exitOverride();
  let exitCode: number = EXIT.OK;
  for (const register of commands) {
    register(program, (code) => {
      exitCode = code;
    });
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.OK;
      if (error.code === 'commander.help') return EXIT.OK;
      return EXIT.USAGE;
    }
    throw error;
  }
  return exitCode;
}

function reportError(error: unknown): number {
  if (error instanceof CowloopError) {
    process.stderr.write(`cowloop: ${error.message} [${error.code}]\n`);
    return exitCodeFor(error);
  }
  const e = error as Error;
  process.stderr.write(`cowloop: ${e?.stack ?? String(error)}\n`);
  return EXIT.FAILURE;
}
