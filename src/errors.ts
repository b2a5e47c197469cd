// Every error cowloop raises comes from here and carries a stable `code`. ERRORS is the one
// table: each code's exit class (the `cowloop` command's exit code follows from it, see
// src/cli/exit-codes.ts), what it means and what to do; docs/errors.md is generated from it
// (npm run docs:errors). Add a code with its entry and raise it with
// `new CowloopError(code, message, { cause })`.

/**
 * What kind of failure a code is, which decides the `cowloop` command's exit code:
 * `usage` 2, `config` and `input` 3, `events` 4, `failure` and `environment` 1,
 * `interrupted` 130.
 */
export type ExitClass = 'usage' | 'config' | 'input' | 'events' | 'failure' | 'environment' | 'interrupted';

export interface ErrorInfo {
  readonly exit: ExitClass;
  /** What happened, in a sentence. */
  readonly meaning: string;
  /** What to do about it. */
  readonly remedy: string;
}

export const ERRORS = {
  // process/
  ERR_COWLOOP_NOT_SINGLE_THREADED: {
    exit: 'environment',
    meaning: 'fork() was asked for in a Node.js process that runs V8 with helper threads.',
    remedy: 'Start node with --single-threaded (the cowloop command does this itself).',
  },
  ERR_COWLOOP_ACTIVE_RESOURCES: {
    exit: 'failure',
    meaning: 'Async work (timers, sockets, requests, file system calls) was pending when fork() was asked for; a child would inherit it.',
    remedy: 'Await or clear it before fork(), or pass { allowActiveResources: [kinds] } to let children inherit it.',
  },
  ERR_COWLOOP_WORKER_THREADS: {
    exit: 'failure',
    meaning: 'Worker threads were running when fork() was asked for; a child would inherit their memory without the threads.',
    remedy: 'Terminate them (await worker.terminate()) before forking.',
  },
  ERR_COWLOOP_IN_WORKER_THREAD: {
    exit: 'failure',
    meaning: 'fork() was called from a worker thread.',
    remedy: 'Call fork() from the main thread.',
  },
  ERR_COWLOOP_INSPECTOR: {
    exit: 'environment',
    meaning: 'The inspector (--inspect, a debugger) is active; its thread cannot be forked.',
    remedy: 'Close it (inspector.close()) or start without --inspect; to debug a worker use cowloop run --debug-worker.',
  },
  ERR_COWLOOP_UNSUPPORTED_PLATFORM: {
    exit: 'environment',
    meaning: 'fork() and shared memory need Linux.',
    remedy: 'Run on Linux.',
  },
  ERR_COWLOOP_NATIVE_ADDON: {
    exit: 'environment',
    meaning: 'No usable native addon: none is built for this Node.js release, or the one found was built for another release or from other sources.',
    remedy: 'Rebuild it: npm rebuild cowloop --build-from-source in your project, or npm run build:native in a clone (needs python3, make and g++).',
  },
  ERR_COWLOOP_UNSUPPORTED_NODE: {
    exit: 'environment',
    meaning: 'This Node.js release is not one cowloop has been verified on.',
    remedy: 'Use a supported release (see engines in package.json and "Node.js releases" in docs/architecture.md).',
  },
  ERR_COWLOOP_FORK_FAILED: {
    exit: 'failure',
    meaning: 'The fork() system call, or the preparation before it, failed (the message names the errno, e.g. EAGAIN: too many processes; ENOMEM: out of memory).',
    remedy: 'Run fewer workers, raise the process limit (ulimit -u) or free memory.',
  },
  ERR_COWLOOP_CHILD_EXITED: {
    exit: 'failure',
    meaning: 'A forked child exited or was killed before it returned its result.',
    remedy: 'Look at the child\'s exit code or signal in the error and at its output; a signal 9 is often the out-of-memory killer.',
  },
  ERR_COWLOOP_RESULT_NOT_SERIALIZABLE: {
    exit: 'failure',
    meaning: 'The value a child returned cannot be sent to the parent with the structured clone algorithm (a function, a class instance with private state, a handle).',
    remedy: 'Return plain data: objects, arrays, numbers, strings, typed arrays, Maps and Sets.',
  },
  ERR_COWLOOP_MESSAGE_NOT_SERIALIZABLE: {
    exit: 'failure',
    meaning: 'A message sent between a parent and a child cannot be serialised.',
    remedy: 'Send plain data.',
  },
  ERR_COWLOOP_CHANNEL_CORRUPT: {
    exit: 'failure',
    meaning: 'The pipe between a parent and a child carried a frame that is not cowloop\'s (something else wrote to the descriptor).',
    remedy: 'Make sure no code in the child writes to descriptors it did not open.',
  },
  ERR_COWLOOP_INVALID_ARGUMENT: {
    exit: 'usage',
    meaning: 'A command-line flag or an argument of a cowloop function has a value it cannot use; the message names it and what it must be.',
    remedy: 'Pass a value of the kind the message asks for.',
  },
  // framework/ and evtloop/
  ERR_COWLOOP_ILLEGAL_TRANSITION: {
    exit: 'failure',
    meaning: 'A component or the application was asked for a step its state does not allow (run before initialize, say).',
    remedy: 'Call the steps in order: configure, initialize, start, run, stop, finalize.',
  },
  ERR_COWLOOP_BAD_PROPERTY: {
    exit: 'config',
    meaning: 'A job option has a value its property cannot take (wrong type, out of range, an OutputDir that cannot be created).',
    remedy: 'Fix the value at the file and line the message names; docs/job-options.md lists every property.',
  },
  ERR_COWLOOP_UNKNOWN_PROPERTY: {
    exit: 'config',
    meaning: 'A job option sets a property the component does not have.',
    remedy: 'Check the spelling (the message suggests the nearest name) against docs/job-options.md.',
  },
  ERR_COWLOOP_UNKNOWN_COMPONENT: {
    exit: 'config',
    meaning: 'The job names a component type that is not registered, or sets options for a component it never creates.',
    remedy: 'Check the name (the message suggests the nearest); import the module that registers the type; or set ApplicationMgr.UnknownOptions = "warn".',
  },
  ERR_COWLOOP_COMPONENT_FAILED: {
    exit: 'failure',
    meaning: 'A component threw outside event processing (in initialize, start, stop or finalize); when the cause is an input error the command exits as for that.',
    remedy: 'The cause and the frames of your code under the message say where.',
  },
  ERR_COWLOOP_EVENT_FAILED: {
    exit: 'events',
    meaning: 'An algorithm threw while processing an event (OnError = "abort"), or failed events were skipped (OnError = "skip").',
    remedy: 'Fix the algorithm at the frames shown; set EventLoopMgr.OnError = "skip" to go on past failed events.',
  },
  ERR_COWLOOP_HISTOGRAM: {
    exit: 'failure',
    meaning: 'A histogram was booked twice with another type or binning, filled wrongly, or a histogram file cannot be read.',
    remedy: 'Book each histogram path once with one binning; check that the file is one cowloop wrote.',
  },
  // jobs/
  ERR_COWLOOP_JOB_FAILED: {
    exit: 'failure',
    meaning: 'A job\'s work function threw in its worker.',
    remedy: 'The cause carries the worker\'s error and stack.',
  },
  ERR_COWLOOP_JOB_TIMEOUT: {
    exit: 'failure',
    meaning: 'A job, or its group, ran past its timeout; its worker was killed.',
    remedy: 'Raise the timeout or make the job shorter.',
  },
  ERR_COWLOOP_JOB_CANCELLED: {
    exit: 'failure',
    meaning: 'A job was cancelled before it finished.',
    remedy: 'Nothing, when the cancel was meant; the message gives its reason.',
  },
  ERR_COWLOOP_JOBS_FAILED: {
    exit: 'failure',
    meaning: 'Some jobs of the collected groups failed; `errors` lists each failure.',
    remedy: 'Look at each error, or collect with { settled: true } to get every outcome.',
  },
  ERR_COWLOOP_WORKER_DIED: {
    exit: 'failure',
    meaning: 'A worker process exited or was killed while it ran a job.',
    remedy: 'The message gives the exit code or signal; a signal 9 is often the out-of-memory killer.',
  },
  ERR_COWLOOP_CLOSED: {
    exit: 'failure',
    meaning: 'A Pool or ParallelJobProcessor was used after close(), or was closed with { force: true } while a call ran.',
    remedy: 'Submit work before closing.',
  },
  ERR_COWLOOP_TASK_FAILED: {
    exit: 'failure',
    meaning: 'A WorkManager task threw on one of its items in a worker.',
    remedy: 'The error carries the item index, the worker\'s pid and its stack.',
  },
  ERR_COWLOOP_MERGE_FAILED: {
    exit: 'failure',
    meaning: 'The workers\' task outputs cannot be merged automatically.',
    remedy: 'Give the task a mergeOutput(local, remote) method.',
  },
  // evtloop/ (multi-process)
  ERR_COWLOOP_IO_REINIT: {
    exit: 'failure',
    meaning: 'A worker could not re-open its input or output files after the fork.',
    remedy: 'The message names each file and why; check permissions and free space.',
  },
  ERR_COWLOOP_WORKER_FAILED: {
    exit: 'events',
    meaning: 'An event-loop worker failed, or its slot died more often than MpEventLoopMgr allows ((MaxEventRetries + 1) times).',
    remedy: 'Read the worker\'s log (worker.log under <OutputDir>/workers/<run id>/) for why it died.',
  },
  ERR_COWLOOP_POISON_EVENT: {
    exit: 'events',
    meaning: 'One event crashed every worker that took it.',
    remedy: 'Set MpEventLoopMgr.OnPoisonEvent = "skip" to skip it, and fix what it trips.',
  },
  ERR_COWLOOP_EVENT_TIMEOUT: {
    exit: 'events',
    meaning: 'An event ran past EventTimeout.',
    remedy: 'Raise the timeout, or fix the algorithm that hangs.',
  },
  ERR_COWLOOP_INTERRUPTED: {
    exit: 'interrupted',
    meaning: 'The run was stopped by SIGINT or SIGTERM; what was done is summarised, nothing is merged.',
    remedy: 'Run it again; the previous outputs are untouched.',
  },
  // mem/
  ERR_COWLOOP_NO_SUCH_PROCESS: {
    exit: 'input',
    meaning: 'The process named does not exist (or has exited).',
    remedy: 'Check the pid.',
  },
  ERR_COWLOOP_PROCESS_NOT_READABLE: {
    exit: 'input',
    meaning: 'The process\'s /proc files cannot be read: it belongs to another user.',
    remedy: 'Run as that user or as root.',
  },
  // io/
  ERR_COWLOOP_IO_INPUT: {
    exit: 'input',
    meaning: 'An input file cannot be opened or read.',
    remedy: 'Check the path (relative paths resolve against the working directory, then beside the options file) and its permissions.',
  },
  ERR_COWLOOP_IO_BAD_RECORD: {
    exit: 'input',
    meaning: 'An input record cannot be read (not valid JSON, wrong number of fields) and OnBadRecord = "fail".',
    remedy: 'Fix the record at the file and line named, or set EventSelector.OnBadRecord = "skip".',
  },
  ERR_COWLOOP_IO_FORMAT: {
    exit: 'input',
    meaning: 'The format of an input file is unknown or cannot be told from its name.',
    remedy: 'Name it .ndjson, .jsonl or .csv, or set the Format property.',
  },
  ERR_COWLOOP_IO_OUTPUT: {
    exit: 'failure',
    meaning: 'An output file cannot be written (a full disk, a directory that cannot be written).',
    remedy: 'Free space or fix permissions and run again; the previous outputs stay as they were.',
  },
  ERR_COWLOOP_IO_MERGE: {
    exit: 'failure',
    meaning: 'The workers\' outputs cannot be merged into the final output.',
    remedy: 'The workers\' files stay under <OutputDir>/workers/<run id>/; cowloop merge can merge them again.',
  },
  ERR_COWLOOP_IO_MISSING_PACKAGE: {
    exit: 'environment',
    meaning: 'An input needs an optional package that is not installed (jsroot for .root files).',
    remedy: 'Install the package the message names in your project (npm install jsroot) and run again.',
  },
  // shard/ and batch/
  ERR_COWLOOP_SHARD: {
    exit: 'config',
    meaning: 'A sharded run or job cannot be set up: an input whose events cannot be counted, outputs outside the shard\'s directory, an unreadable job record.',
    remedy: 'Follow the message; docs/scale-out.md says what a sharded job needs.',
  },
  ERR_COWLOOP_SHARD_MERGE_REFUSED: {
    exit: 'config',
    meaning: 'cowloop merge --job (or the merging node of cowloop work --merge) refused: shards are missing, failed, from other options, overlapping or damaged (each is listed).',
    remedy: 'Run the shards named (cowloop submit --resume <out> on Slurm) and merge again; nothing was written at the output paths.',
  },
  ERR_COWLOOP_BATCH_SUBMIT: {
    exit: 'environment',
    meaning: 'The batch system refused the job, or its commands (sbatch, squeue, scontrol) are missing or failed.',
    remedy: 'Read the batch system\'s message in the error; check that Slurm\'s commands are on PATH and SLURM_CONF is set.',
  },
  // service/
  ERR_COWLOOP_QUEUE: {
    exit: 'environment',
    meaning: 'The range queue (Redis) cannot be reached or refused a command, or holds another job under the same name.',
    remedy: 'Check the --redis URL and that the server runs; the ranges not acknowledged stay in the queue and are handed out again.',
  },
  ERR_COWLOOP_POISON_RANGE: {
    exit: 'events',
    meaning: 'A range of a queued job killed workers on as many nodes as `cowloop work --max-range-failures` allows (3 by default): it was given up without outputs, the other ranges were processed.',
    remedy: 'The message, and `cowloop status` with --redis, name the events the workers died on; fix what they trip, then queue the job again in a new --out (the merge refuses a job with a range missing).',
  },
  ERR_COWLOOP_RANGE_WAITING: {
    exit: 'failure',
    meaning: 'A range failed on this node and no other node took it before this one ran out of work: it waits in the queue.',
    remedy: 'Start `cowloop work` on another node (a node does not take again a range that failed on it), or lower --max-range-failures to give it up sooner.',
  },
  // options/
  ERR_COWLOOP_OPTIONS_SYNTAX: {
    exit: 'config',
    meaning: 'A job options file does not parse.',
    remedy: 'Fix the syntax at the file, line and column named; docs/job-options.md gives the grammar.',
  },
  ERR_COWLOOP_OPTIONS_INCLUDE: {
    exit: 'config',
    meaning: 'An #include cannot be found or includes itself.',
    remedy: 'Check the path against the search path (the including file\'s directory, then JOBOPTSEARCHPATH).',
  },
  ERR_COWLOOP_OPTIONS_REFERENCE: {
    exit: 'config',
    meaning: 'An option refers (@Client.Property) to one that is not set.',
    remedy: 'Set the referenced option, or fix the name.',
  },
  ERR_COWLOOP_OPTIONS_FILE: {
    exit: 'config',
    meaning: 'A job options file cannot be read, or its kind (.opts, .json, .js) is unknown.',
    remedy: 'Check the path and the extension.',
  },
  ERR_COWLOOP_OPTIONS_UNITS: {
    exit: 'config',
    meaning: 'A unit in a job option is unknown, or the units file cannot be read.',
    remedy: 'Use a unit the units file defines.',
  },
  ERR_COWLOOP_OPTIONS_OPERATION: {
    exit: 'config',
    meaning: 'An operation (+=, -=) does not apply to the option\'s value.',
    remedy: 'Use += and -= on lists and maps only, with values of the same kind.',
  },
  ERR_COWLOOP_OPTIONS_VALUE: {
    exit: 'config',
    meaning: 'A job option\'s value is not one the language allows.',
    remedy: 'Fix the value at the file and line named.',
  },
  ERR_COWLOOP_OPTIONS_MODULE: {
    exit: 'config',
    meaning: 'A JavaScript options module cannot be loaded, does not export a function, or threw.',
    remedy: 'Export a function (cfg) => { cfg.set(...) }; the message gives the module\'s error.',
  },
} as const satisfies Record<string, ErrorInfo>;

export type ErrorCode = keyof typeof ERRORS;

/** Every code by its own name, so `ErrorCodes.ERR_COWLOOP_...` reads as a constant. */
export const ErrorCodes = Object.freeze(
  Object.fromEntries(Object.keys(ERRORS).map((code) => [code, code])) as { readonly [C in ErrorCode]: C },
);

/** The table's entry for `code`; undefined for a code that is not cowloop's. */
export function errorInfo(code: unknown): ErrorInfo | undefined {
  return typeof code === 'string' && Object.hasOwn(ERRORS, code) ? ERRORS[code as ErrorCode] : undefined;
}

export function isErrorCode(code: unknown): code is ErrorCode {
  return errorInfo(code) !== undefined;
}

/** The cowloop code an error carries, else `fallback` (a foreign error, a system error). */
export function codeOf(error: unknown, fallback: ErrorCode): ErrorCode {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return isErrorCode(code) ? code : fallback;
}

export class CowloopError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CowloopError';
    this.code = code;
  }
}

/** `options.<path> must be <expected> (got <actual>)`, the shape every validation error takes. */
export function invalidArgument(path: string, expected: string, actual: unknown): CowloopError {
  return new CowloopError(
    ErrorCodes.ERR_COWLOOP_INVALID_ARGUMENT,
    `${path} must be ${expected} (got ${describe(actual)})`,
  );
}

export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (Array.isArray(value)) return `array of length ${value.length}`;
  if (value === null) return 'null';
  if (typeof value === 'object') return `object ${value.constructor?.name ?? 'Object'}`;
  return String(value);
}
