// The main of a job worker: it waits for "run job N" messages, runs the job from its own
// copy of the parent's memory (the table was filled before the fork) and reports back.
// Only arguments of reused workers and results cross the channel.
import type { ChildContext } from '../process/child-context.js';
import { errorToWire, type WireError } from '../process/wire.js';
import { CowloopError, ErrorCodes } from '../errors.js';
import type { WorkFunction } from './job.js';

/** What a worker can run: entries known at its fork, by slot. */
export interface WorkerTable {
  /** Jobs by slot, with their arguments, as they were at the fork. */
  runs: Array<{ fn: WorkFunction; args: unknown; label: string }>;
  /** Distinct work functions by index, for reuse with serialised arguments. */
  fns: WorkFunction[];
}

export type ToWorker =
  | { k: 'run'; id: number; slot: number }
  | { k: 'call'; id: number; fn: number; args: unknown; label: string }
  | { k: 'stop' };

export type FromWorker =
  | { k: 'start'; id: number }
  | { k: 'done'; id: number; value: unknown; ms: number }
  | { k: 'fail'; id: number; error: WireError; ms: number };

/** A message of a job worker (anything else on the channel is not one). */
export function isFromWorker(m: unknown): m is FromWorker {
  return typeof m === 'object' && m !== null && 'k' in m && 'id' in m && (m.k === 'start' || m.k === 'done' || m.k === 'fail');
}

export function jobWorkerMain(table: WorkerTable): (ctx: ChildContext) => Promise<void> {
  return (ctx) =>
    new Promise<void>((resolve) => {
      let chain: Promise<void> = Promise.resolve();
      ctx.on('message', (message) => {
        const m = message as ToWorker;
        if (m.k === 'stop') {
          chain = chain.then(() => {
            ctx.removeAllListeners('message');
            resolve();
          });
          return;
        }
        chain = chain.then(() => runOne(ctx, table, m));
      });
    });
}

async function runOne(ctx: ChildContext, table: WorkerTable, m: Exclude<ToWorker, { k: 'stop' }>): Promise<void> {
  let fn: WorkFunction | undefined;
  let args: unknown;
  let label: string;
  if (m.k === 'run') {
    const entry = table.runs[m.slot];
    fn = entry?.fn;
    args = entry?.args;
    label = entry?.label ?? `slot ${m.slot}`;
  } else {
    fn = table.fns[m.fn];
    args = m.args;
    label = m.label;
  }
  ctx.send({ k: 'start', id: m.id } satisfies FromWorker);
  const t0 = performance.now();
  let value: unknown;
  try {
    if (!fn) throw new Error(`worker ${process.pid} has no ${label} in its memory`);
    value = await fn(args);
  } catch (error) {
    ctx.send({ k: 'fail', id: m.id, error: errorToWire(error), ms: performance.now() - t0 } satisfies FromWorker);
    return;
  }
  const ms = performance.now() - t0;
  try {
    ctx.send({ k: 'done', id: m.id, value, ms } satisfies FromWorker);
  } catch (cause) {
    const detail = ((cause as Error).cause as Error | undefined)?.message ?? (cause as Error).message;
    const error = new CowloopError(
      ErrorCodes.ERR_COWLOOP_RESULT_NOT_SERIALIZABLE,
      `the result of ${label} cannot be serialised with v8.serialize (${detail}); return plain data ` +
        '(objects, arrays, typed arrays, Maps, Sets, errors), not functions, class handles or sockets',
    );
    ctx.send({ k: 'fail', id: m.id, error: errorToWire(error), ms } satisfies FromWorker);
  }
}
