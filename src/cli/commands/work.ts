// A job handed out as event ranges through Redis (src/service/):
//   cowloop submit redis <options> --redis URL [--range-size R] --out DIR queues the ranges
//   cowloop work <options> --redis URL --out DIR [--workers W]            one node's share
// then `cowloop merge --job DIR` as for shards (a range is a small shard), or, with
// `cowloop work --merge`, by the first node to find the job complete.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import '../../index.js';
import { CowloopError, ErrorCodes } from '../../errors.js';
import { EventLoopMgr } from '../../evtloop/event-loop-mgr.js';
import { createApplication, type Application } from '../../framework/application.js';
import { loadJobOptions } from '../../options/load.js';
import type { JobOptions } from '../../options/types.js';
import { optionsDigest } from '../../shard/digest.js';
import { hostName } from '../../shard/layout.js';
import { expectationOf, readJobRecord, writeJobRecord } from '../../shard/job-record.js';
import { mergeJob } from '../../shard/merge-job.js';
import { jobRange } from '../../shard/range.js';
import { rangesDir } from '../../service/range-dir.js';
import { queueName, RangeQueue } from '../../service/range-queue.js';
import { workNode } from '../../service/work-node.js';
import type { RegisterCommand } from '../commands.js';
import { EXIT } from '../exit-codes.js';
import { jobMergeLine } from './merge.js';
import { applyRunFlags } from './run.js';

const WHERE = { file: '<cowloop work>', line: 1, column: 1 };
const collect = (v: string, all: string[]): string[] => [...all, v];

interface QueueFlags {
  redis?: string;
  out?: string;
  set: string[];
  events?: string;
}

function integer(flag: string, text: string | undefined, min: number, fallback?: number): number {
  if (text === undefined && fallback !== undefined) return fallback;
  const n = Number(text);
  if (text === undefined || !Number.isInteger(n) || n < min) {
    throw new CowloopError(ErrorCodes.ERR_COWLOOP_INVALID_ARGUMENT, `${flag} must be an integer >= ${min} (got ${JSON.stringify(text ?? '')})`);
  }
  return n;
}

function required(flags: QueueFlags, command: string): { url: string; out: string } {
  if (!flags.redis) throw new CowloopError(ErrorCodes.ERR_COWLOOP_INVALID_ARGUMENT, `${command} needs --redis redis://host:port: the server holding the job's ranges`);
  if (!flags.out) throw new CowloopError(ErrorCodes.ERR_COWLOOP_INVALID_ARGUMENT, `${command} needs --out DIR: the job's directory, on a file system every node sees`);
  return { url: flags.redis, out: path.resolve(flags.out) };
}

/** The job's options with the command line's overrides, its digest and its queue's name. */
async function jobOf(file: string, flags: QueueFlags): Promise<{ options: JobOptions; digest: string; name: string; optionsFile: string }> {
  const optionsFile = path.resolve(file);
  const options = await loadJobOptions(optionsFile);
  applyRunFlags(options, { set: flags.set, ...(flags.events !== undefined ? { events: flags.events } : {}) });
  const digest = optionsDigest(options);
  return { options, digest, name: queueName(optionsFile, digest), optionsFile };
}

/** An initialised application running the serial loop, its own outputs (none) in `scratch`. */
async function initialised(options: JobOptions, scratch: string): Promise<{ app: Application; loop: EventLoopMgr }> {
  options.set('ApplicationMgr', 'EventLoop', 'EventLoopMgr', WHERE);
  options.set('ApplicationMgr', 'OutputDir', scratch, WHERE);
  const app = createApplication({ options });
  await app.configure();
  await app.initialize();
  const loop = app.eventLoop;
  if (!(loop instanceof EventLoopMgr)) throw new CowloopError(ErrorCodes.ERR_COWLOOP_SHARD, `a queued job needs an event loop with an event selector; ApplicationMgr.EventLoop is ${loop.type}`);
  return { app, loop };
}

// Events per range when --range-size is not given: the smallest size at which, in the
// model of 1,000 nodes x 8 workers calibrated on the real node and Redis (docs/benchmarks.md),
// Redis stays under a quarter of its core (steady and at its busiest) at 10 ms an event and
// under half with events 10x shorter, and the node's cost per range under 5 % of the worker
// time; smaller ranges lose less work to a lost node and end the job sooner.
export const DEFAULT_RANGE_SIZE = 1000;

export async function submitRedis(file: string, flags: QueueFlags & { rangeSize?: string }): Promise<number> {
  const { url, out } = required(flags, 'submit redis');
  const rangeSize = integer('--range-size', flags.rangeSize, 1, DEFAULT_RANGE_SIZE);
  const job = await jobOf(file, flags);
  // Fail on a bad URL before initialising the job.
  await (await RangeQueue.open(url, job.name)).close();
  const scratch = path.join(rangesDir(out), `.submit-${hostName()}-${process.pid}`);
  let events: { first: number; end: number };
  try {
    const { app, loop } = await initialised(job.options, scratch);
    events = jobRange(loop.selector.count?.(), loop.skipEvents, loop.eventMax);
    await app.finalize();
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  const ranges: Array<{ index: number; first: number; end: number }> = [];
  for (let first = events.first; first < events.end; first += rangeSize) ranges.push({ index: ranges.length, first, end: Math.min(events.end, first + rangeSize) });
  const previous = readJobRecord(out);
  if (previous && previous.optionsDigest !== job.digest) {
    throw new CowloopError(ErrorCodes.ERR_COWLOOP_INVALID_ARGUMENT, `${out} already holds another job (${previous.optionsFile}, options digest ${previous.optionsDigest.slice(0, 19)}): choose another --out`);
  }
  const q = await RangeQueue.open(url, job.name);
  try {
    // The record first: a job in the queue always has one, so status and merge --job know it.
    if (!previous) {
      writeJobRecord(out, {
        format: 'cowloop-job/1',
        optionsFile: job.optionsFile,
        runArgs: [...flags.set.flatMap((s) => ['--set', s]), ...(flags.events !== undefined ? ['--events', flags.events] : [])],
        cwd: process.cwd(),
        shards: ranges.length,
        workersPerShard: 0,
        optionsDigest: job.digest,
        created: new Date().toISOString(),
        redis: { url, queue: job.name, rangeSize },
      });
    }
    const added = await q.submit(ranges, { digest: job.digest, ranges: ranges.length, jobFirst: events.first, jobEnd: events.end, optionsFile: job.optionsFile, rangeSize });
    process.stdout.write(
      added
        ? `queued ${ranges.length} ranges of events [${events.first}, ${events.end}) as ${job.name}; run cowloop work ${file} --redis ${url} --out ${flags.out} on each node\n`
        : `${job.name} is already queued: nothing added\n`,
    );
  } finally {
    await q.close();
  }
  return EXIT.OK;
}

interface WorkFlags extends QueueFlags {
  workers?: string;
  lease?: string;
  maxRangeFailures?: string;
  redisWait?: string;
  merge?: boolean;
}

async function work(file: string, flags: WorkFlags): Promise<number> {
  const { url, out } = required(flags, 'work');
  const workers = integer('--workers', flags.workers, 1, 2);
  const leaseMs = integer('--lease', flags.lease, 1, 60) * 1000;
  const maxFailures = integer('--max-range-failures', flags.maxRangeFailures, 1, 3);
  const redisWaitMs = integer('--redis-wait', flags.redisWait, 0, 300) * 1000;
  const job = await jobOf(file, flags);
  const q = await RangeQueue.open(url, job.name);
  const meta = await q.meta().finally(() => q.close());
  if (!meta) throw new CowloopError(ErrorCodes.ERR_COWLOOP_QUEUE, `no job ${job.name} in the queue at ${url}: queue it first with cowloop submit redis ${file} --redis ${url} --out ${flags.out}`);
  const scratch = path.join(rangesDir(out), `.node-${hostName()}-${process.pid}`);
  const say = (line: string): void => void process.stderr.write(`${line}\n`);
  try {
    const { app, loop } = await initialised(job.options, scratch);
    await app.start();
    const s = await workNode({ loop, url, queue: job.name, meta, out, workers, leaseMs, maxFailures, redisWaitMs, merge: flags.merge === true, say });
    await app.stop();
    await app.finalize();
    say(`cowloop: ${s.ranges} ranges, ${s.processed} events${s.duplicates ? `, ${s.duplicates} ranges already done elsewhere (dropped)` : ''}${s.failedHere.length ? `, ${s.failedHere.length} failed here` : ''}`);
    if (s.poison.length) {
      const list = s.poison.map((p) => `[${p.first}, ${p.end}) (workers died at event ${[...new Set(p.failures.map((f) => f.event))].join(', ')} on ${p.failures.length} nodes)`);
      throw new CowloopError(ErrorCodes.ERR_COWLOOP_POISON_RANGE, `the job has ${s.poison.length} poison range${s.poison.length === 1 ? '' : 's'}, given up without outputs: ${list.join('; ')}`);
    }
    if (s.waiting.length) {
      throw new CowloopError(ErrorCodes.ERR_COWLOOP_RANGE_WAITING, `range${s.waiting.length === 1 ? '' : 's'} ${s.waiting.map((r) => `[${r.first}, ${r.end})`).join(', ')} failed here and wait for another node (run cowloop work there)`);
    }
    if (s.merger && !s.merger.mine) say(`cowloop: the job is complete; node ${s.merger.node} merges it`);
    if (s.merger?.mine) {
      // The same merge as cowloop merge --job, after this node's workers have ended; its errors are the command's.
      say(`cowloop: the job is complete; this node (${s.merger.node}) merges it`);
      say(`cowloop: ${jobMergeLine(mergeJob(out, expectationOf(readJobRecord(out))))}`);
    }
    return EXIT.OK;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

export const registerWorkCommand: RegisterCommand = (program: Command, setExitCode) => {
  program
    .command('work')
    .description('one node of a job queued in Redis (cowloop submit redis): initialise once, fork the workers once, feed them ranges from the queue until none is left')
    .argument('<options-file>', 'job options file (as submitted)')
    .option('--redis <url>', 'the Redis server holding the ranges, redis://host:port')
    .option('--out <dir>', 'the job\'s directory: each range goes whole into <out>/ranges/<first>-<last>/')
    .option('--workers <n>', 'long-lived workers forked once, each fed ranges from the queue (default 2)')
    .option('--lease <s>', 'seconds a range stays leased to a node that stopped answering before it is handed out again (default 60)')
    .option('--max-range-failures <k>', 'a range that killed workers on this many different nodes is poison: given up and reported (default 3)')
    .option('--redis-wait <s>', 'seconds to keep trying while Redis cannot be reached before giving up (default 300)')
    .option('--merge', 'the first node to find the job complete (every range done, none poison) merges it, as cowloop merge --job does; the others name it and exit')
    .option('-s, --set <Client.Property=value>', 'override one job option, as at submission (repeatable)', collect, [])
    .option('--events <n>', 'as at submission (ApplicationMgr.EvtMax)')
    .action(async (file: string, flags: WorkFlags) => {
      setExitCode(await work(file, flags));
    });
};
