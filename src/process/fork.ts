// fork(main): queues a request and forks from a clean point, a setImmediate callback of
// cowloop's own with no user code on the stack. Every request queued in the same turn is
// forked in one batch; promises are settled only after the whole batch, so no child
// inherits a pending continuation of the parent.
import os from 'node:os';
import { isMainThread } from 'node:worker_threads';
import { CowloopError, ErrorCodes, invalidArgument } from '../errors.js';
import { native } from '../native.js';
import { runChildForkHooks } from './child-hooks.js';
import { startChild, type ChildContext } from './child-context.js';
import { closeFds, ForkedChild, type ForkTiming } from './forked-child.js';
import { collapseToHugePages } from './huge-pages.js';
import { listenForExits } from './registry.js';
import { forkSafety, IN_WORKER_THREAD } from './safety.js';

export interface ForkOptions {
  /** ctx.index in the child (default: a counter of this parent's forks, from 0). */
  index?: number;
  /** Process title of the child, e.g. "cowloop: worker 3". */
  title?: string;
  /** Pin the child to these CPUs. */
  cpus?: number[];
  /** Signal the child gets when the parent dies (default "SIGKILL"; 0 for none). */
  deathSignal?: NodeJS.Signals | 0;
  /** Kinds from process.getActiveResourcesInfo() children may inherit (default none). */
  allowActiveResources?: string[];
  /**
   * Before forking, move the parent's large anonymous mappings (typed-array state, large
   * JS objects) into 2 MiB huge pages, so that fork() copies fewer page tables (default
   * false). The first time costs about as much as copying that memory once; see
   * docs/guide.md, "Huge pages".
   */
  hugePages?: boolean;
}

interface FilledForkOptions {
  index: number | undefined;
  title: string | undefined;
  cpus: number[] | undefined;
  deathSignal: number;
  allowActiveResources: string[];
  hugePages: boolean;
}

interface Request {
  main: (ctx: ChildContext) => unknown;
  options: FilledForkOptions;
  resolve: (child: ForkedChild<unknown>) => void;
  reject: (error: Error) => void;
  /** Loop turns this request has waited for pending work to finish. */
  waited: number;
}

// Handles being closed (a child process that just exited, a socket just destroyed) are
// still listed as active until the loop's close phase: wait a couple of turns for them.
const MAX_TURNS_WAITED = 3;

const queue: Request[] = [];
let scheduled = false;
let nextIndex = 0;

/** Fork step (src/fork-hooks.ts): requests queued in the parent are the parent's business, never the child's. */
export function forkQueueAfterFork(): void {
  queue.length = 0;
  scheduled = false;
  nextIndex = 0;
}

/**
 * Forks this process; `main` runs in the child with the parent's state as it was at the
 * fork. Resolves once the child exists; its return value arrives as `child.result`.
 */
export function fork<T>(
  main: (ctx: ChildContext) => T | Promise<T>,
  options: ForkOptions = {},
): Promise<ForkedChild<Awaited<T>>> {
  let filled: FilledForkOptions;
  try {
    if (typeof main !== 'function') throw invalidArgument('main', 'a function', main);
    filled = fillOptions(options);
    // Refused before anything is set up: listeners for children belong to the main thread.
    if (!isMainThread) throw new CowloopError(IN_WORKER_THREAD.code, IN_WORKER_THREAD.message);
  } catch (error) {
    return Promise.reject(error);
  }
  return new Promise((resolve, reject) => {
    queue.push({ main, options: filled, resolve: resolve as Request['resolve'], reject, waited: 0 });
    if (!scheduled) {
      scheduled = true;
      setImmediate(forkQueued);
    }
  });
}

function fillOptions(options: ForkOptions): FilledForkOptions {
  if (options === null || typeof options !== 'object') throw invalidArgument('options', 'an object', options);
  const { index, title, cpus, deathSignal = 'SIGKILL', allowActiveResources = [], hugePages = false } = options;
  if (index !== undefined && (!Number.isInteger(index) || index < 0)) {
    throw invalidArgument('options.index', 'a non-negative integer', index);
  }
  if (title !== undefined && typeof title !== 'string') throw invalidArgument('options.title', 'a string', title);
  if (cpus !== undefined) {
    const ncpu = os.availableParallelism();
    if (!Array.isArray(cpus) || cpus.length === 0 || !cpus.every((c) => Number.isInteger(c) && c >= 0 && c < ncpu)) {
      throw invalidArgument('options.cpus', `a non-empty array of CPU numbers below ${ncpu}`, cpus);
    }
  }
  let signal = 0;
  if (deathSignal !== 0) {
    const n = (os.constants.signals as Record<string, number>)[deathSignal as string];
    if (n === undefined) throw invalidArgument('options.deathSignal', 'a signal name such as "SIGKILL", or 0', deathSignal);
    signal = n;
  }
  if (!Array.isArray(allowActiveResources) || !allowActiveResources.every((k) => typeof k === 'string')) {
    throw invalidArgument('options.allowActiveResources', 'an array of resource kinds', allowActiveResources);
  }
  if (typeof hugePages !== 'boolean') throw invalidArgument('options.hugePages', 'true or false', hugePages);
  return {
    index,
    title,
    cpus: cpus ? [...cpus] : undefined,
    deathSignal: signal,
    allowActiveResources: [...allowActiveResources],
    hugePages,
  };
}

interface Forked {
  request: Request;
  pid: number;
  index: number;
  readFd: number;
  writeFd: number;
  timing: ForkTiming;
}

function forkQueued(): void {
  scheduled = false;
  const batch = queue.splice(0);
  const settle: Array<() => void> = [];
  const forked: Forked[] = [];
  const again: Request[] = [];
  // Parent-side descriptors of children forked earlier in this batch: not yet wrapped in
  // sockets, so a later child must close them by number.
  const batchParentFds: number[] = [];

  const binding = safeNative(batch, settle);
  if (binding) listenForExits();
  // Once per batch: the children of one batch share the parent's memory as it is now.
  let hugePagesMs = 0;
  let hugePagesBytes = 0;
  if (binding && batch.some((r) => r.options.hugePages)) {
    try {
      ({ ms: hugePagesMs, collapsedBytes: hugePagesBytes } = collapseToHugePages());
    } catch (cause) {
      for (const r of batch.splice(0)) settle.push(() => r.reject(forkFailed('cannot read /proc/self/maps for huge pages', cause)));
    }
  }
  for (const request of binding ? batch : []) {
    const safety = forkSafety({ allowActiveResources: request.options.allowActiveResources });
    const problem = safety.details[0];
    if (problem?.code === ErrorCodes.ERR_COWLOOP_ACTIVE_RESOURCES && safety.details.length === 1 && request.waited < MAX_TURNS_WAITED) {
      request.waited++;
      again.push(request);
      continue;
    }
    if (problem) {
      settle.push(() => request.reject(new CowloopError(problem.code, problem.message)));
      continue;
    }
    let toChild: [number, number];
    let toParent: [number, number];
    try {
      toChild = binding!.pipe();
      try {
        toParent = binding!.pipe();
      } catch (error) {
        closeFds(toChild);
        throw error;
      }
    } catch (cause) {
      settle.push(() => request.reject(forkFailed('cannot create the channel pipes', cause)));
      continue;
    }
    let outcome;
    try {
      outcome = binding!.fork(request.options.deathSignal);
    } catch (cause) {
      closeFds([...toChild, ...toParent]);
      settle.push(() => request.reject(forkFailed('fork() failed', cause)));
      continue;
    }
    const index = request.options.index ?? nextIndex;
    if (outcome.pid === 0) {
      // The child. Nothing of the parent's queue, batch or siblings belongs to it.
      const parentPid = process.pid;
      Object.defineProperty(process, 'pid', { value: outcome.self, configurable: true, enumerable: true, writable: false });
      closeFds([...batchParentFds, toChild[1], toParent[0]]);
      runChildForkHooks();
      startChild({
        main: request.main,
        index,
        parentPid,
        readFd: toChild[0],
        writeFd: toParent[1],
        title: request.options.title,
        cpus: request.options.cpus,
      });
      return;
    }
    nextIndex = Math.max(nextIndex, index + 1);
    closeFds([toChild[0], toParent[1]]);
    batchParentFds.push(toChild[1], toParent[0]);
    forked.push({
      request,
      pid: outcome.pid,
      index,
      readFd: toParent[0],
      writeFd: toChild[1],
      timing: {
        hugePagesMs: request.options.hugePages ? hugePagesMs : 0,
        hugePagesBytes: request.options.hugePages ? hugePagesBytes : 0,
        prepareMs: outcome.prepareNs / 1e6,
        forkMs: outcome.forkNs / 1e6,
        forkCpuMs: outcome.forkCpuNs / 1e6,
      },
    });
  }
  // Only now, with every fork of the batch done, create handles and settle promises.
  for (const f of forked) {
    const child = new ForkedChild<unknown>(f.pid, f.index, f.readFd, f.writeFd, f.timing);
    settle.push(() => f.request.resolve(child));
  }
  if (again.length > 0) {
    queue.unshift(...again);
    if (!scheduled) {
      scheduled = true;
      setImmediate(forkQueued);
    }
  }
  for (const s of settle) s();
}

function safeNative(batch: Request[], settle: Array<() => void>): ReturnType<typeof native> | undefined {
  try {
    const binding = native();
    if (!binding.supported) throw new CowloopError(ErrorCodes.ERR_COWLOOP_UNSUPPORTED_PLATFORM, `cowloop needs Linux; this is ${process.platform}`);
    return binding;
  } catch (error) {
    for (const r of batch) settle.push(() => r.reject(error as Error));
    return undefined;
  }
}

function forkFailed(what: string, cause: unknown): CowloopError {
  const detail = (cause as Error)?.message ?? String(cause);
  return new CowloopError(ErrorCodes.ERR_COWLOOP_FORK_FAILED, `${what}: ${detail}`, { cause });
}
