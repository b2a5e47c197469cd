// Whether this process may fork() right now, and if not, why. Each problem carries the
// code of the error fork() raises for it.
import fs from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import { CowloopError, ErrorCodes, type ErrorCode } from '../errors.js';
import { native } from '../native.js';
import { ownActiveHandles } from './registry.js';

export interface ForkProblem {
  code: ErrorCode;
  message: string;
}

export interface ForkSafety {
  ok: boolean;
  problems: string[];
  details: ForkProblem[];
}

export interface SafetyOptions {
  /** Kinds from process.getActiveResourcesInfo() that may be pending at the fork. */
  allowActiveResources?: readonly string[];
}

// fork() copies only the calling thread: a child forked from a worker thread would have no
// main thread and a Node instance that was never meant to run alone.
export const IN_WORKER_THREAD: ForkProblem = {
  code: ErrorCodes.ERR_COWLOOP_IN_WORKER_THREAD,
  message: 'fork() was called in a worker thread (node:worker_threads); only the main thread may fork. ' +
    'Call it from the main thread, before starting worker threads',
};

export function forkSafety(options: SafetyOptions = {}): ForkSafety {
  const details: ForkProblem[] = [];
  const processProblem = processForkProblem();
  if (processProblem) {
    details.push(processProblem);
    if (processProblem.code !== ErrorCodes.ERR_COWLOOP_NOT_SINGLE_THREADED) return summarise(details);
  }
  const workers = liveWorkerThreads();
  if (workers > 0) {
    details.push({
      code: ErrorCodes.ERR_COWLOOP_WORKER_THREADS,
      message: `${workers} worker thread(s) are running; a forked child would hold a copy of their memory without ` +
        'the threads, and their locks may be held. Terminate them (await worker.terminate()) before forking',
    });
  }
  if (inspectorOpen()) {
    details.push({
      code: ErrorCodes.ERR_COWLOOP_INSPECTOR,
      message: 'the inspector is open; its thread does not survive fork(). Close it (inspector.close()) or start ' +
        'without --inspect; to debug a worker use cowloop\'s debug-worker option instead',
    });
  }
  const pending = unexpectedResources(options.allowActiveResources ?? []);
  if (pending.length > 0) {
    const allow = [...new Set(pending.map(([kind]) => kind))].map((k) => `'${k}'`).join(', ');
    details.push({
      code: ErrorCodes.ERR_COWLOOP_ACTIVE_RESOURCES,
      message: `async work is pending at the fork point: ${pending.map(([k, n]) => `${n} x ${k}`).join(', ')}. ` +
        'A child would inherit it (timers fire twice, requests never complete). Await or clear it before fork(), ' +
        `or pass { allowActiveResources: [${allow}] } to let children inherit it`,
    });
  }
  return summarise(details);
}

/**
 * What stops this process from ever forking, whatever it does next: the platform, or node
 * started without --single-threaded. Checked before a fork, and by the multi-process event
 * loop before the application initialises anything.
 */
export function processForkProblem(): ForkProblem | undefined {
  if (process.platform !== 'linux') {
    return {
      code: ErrorCodes.ERR_COWLOOP_UNSUPPORTED_PLATFORM,
      message: `cowloop forks with Linux-only mechanisms (MADV_DOFORK, PR_SET_PDEATHSIG, /proc); this is ${process.platform}`,
    };
  }
  if (!isMainThread) return IN_WORKER_THREAD;
  if (!process.execArgv.includes('--single-threaded')) {
    const script = process.argv[1] ? ` ${process.argv[1]}` : ' <script>';
    return {
      code: ErrorCodes.ERR_COWLOOP_NOT_SINGLE_THREADED,
      message:
        'fork() needs node started with --single-threaded: V8\'s background threads do not exist in a forked ' +
        `child and the first task posted to them would hang it. Start node as: node --single-threaded${script} ` +
        '(the flag cannot be set through NODE_OPTIONS or at run time; the cowloop command adds it itself)',
    };
  }
  return undefined;
}

/** Throws the error of the first problem, if any. */
export function assertForkSafe(options: SafetyOptions = {}): void {
  const safety = forkSafety(options);
  const first = safety.details[0];
  if (first) throw new CowloopError(first.code, first.message);
}

function summarise(details: ForkProblem[]): ForkSafety {
  return { ok: details.length === 0, problems: details.map((d) => d.message), details };
}

/** Active resources minus cowloop's own channels and the process's stdio handles. */
function unexpectedResources(allowed: readonly string[]): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  const own = ownActiveHandles();
  for (const stream of [process.stdout, process.stderr]) own.push(...refHandleKinds(stream));
  for (const kind of own) {
    const n = counts.get(kind);
    if (n !== undefined) counts.set(kind, n - 1);
  }
  return [...counts].filter(([kind, n]) => n > 0 && !allowed.includes(kind));
}

/** The resource kind of a stream's handle while it keeps the loop alive (none otherwise). */
export function refHandleKinds(stream: object): string[] {
  const handle = (stream as { _handle?: { hasRef?: () => boolean; constructor: { name: string } } })._handle;
  return handle?.hasRef?.() ? [resourceKind(handle)] : [];
}

/** The name getActiveResourcesInfo() uses for a handle object: its provider, e.g. "PipeWrap" for Pipe. */
function resourceKind(handle: { constructor: { name: string } }): string {
  const name = handle.constructor.name;
  return name.endsWith('Wrap') ? name : `${name}Wrap`;
}

// Worker threads are invisible to getActiveResourcesInfo(). Each adds an OS thread, so
// the thread count is compared with the threads Node starts itself: the main thread, one
// more of its own, its platform's threads, and libuv's pool once something used it. Only
// another count (or a count grown past one already proven free of workers) is checked with
// the diagnostic report, which lists workers but costs milliseconds.
let threadsWithoutWorkers = 0;
let nodeThreads: number[] | undefined;

function liveWorkerThreads(): number {
  const threads = threadCount();
  nodeThreads ??= ownThreadCounts();
  if (threads <= threadsWithoutWorkers || nodeThreads.includes(threads)) return 0;
  // getReport() is declared as a bare object; its `workers` lists the live worker threads.
  const report = process.report?.getReport() as { workers?: unknown[] } | undefined;
  const workers = report?.workers?.length ?? 0;
  if (workers === 0) threadsWithoutWorkers = threads;
  return workers;
}

function ownThreadCounts(): number[] {
  let platform = 0;
  try {
    platform = native().platformThreads();
  } catch {
    return [];
  }
  if (platform <= 0) return [];
  const base = 2 + platform;
  const pool = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  return [base, base + Math.min(Math.max(pool, 1), 1024)];
}

function threadCount(): number {
  try {
    return fs.readdirSync('/proc/self/task').length;
  } catch {
    return Number.MAX_SAFE_INTEGER;
  }
}

// Loading node:inspector costs ~5 ms, on the path of the first fork. It cannot be open
// unless the module was loaded by someone or node was started with an --inspect flag.
function inspectorOpen(): boolean {
  const loaded = (process as NodeJS.Process & { moduleLoadList?: string[] }).moduleLoadList?.includes('NativeModule inspector') ?? true;
  const flagged = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => a.includes('--inspect'));
  if (!loaded && !flagged) return false;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const inspector = require('node:inspector') as typeof import('node:inspector');
    return inspector.url() !== undefined;
  } catch {
    return false;
  }
}
