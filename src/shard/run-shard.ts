// One shard of a job (`cowloop run job.opts --shard i/N --out DIR`): the usual run, with
// its events narrowed to the shard's share through EventSelector.SkipEvents and
// ApplicationMgr.EvtMax, and its outputs written in a partial directory that is renamed to
// <out>/shards/<i>/ (manifest inside) only once the run is whole. Running a shard again
// replaces the earlier copy with an equal one; a failed attempt leaves the earlier copy.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CowloopError, ErrorCodes } from '../errors.js';
import type { Application, RunSummary } from '../framework/application.js';
import type { JobOptions } from '../options/types.js';
import { fileDigest, optionsDigest } from './digest.js';
import { attemptFile, hostName, MANIFEST, oldShardDir, partialShardDir, shardDir, shardsDir, WORK_DIR_PATTERN } from './layout.js';
import { batchIdsFromEnv, MANIFEST_FORMAT, writeJsonAtomically, type ShardAttempt, type ShardManifest } from './manifest.js';
import { jobRange, shardRange, type EventRange, type ShardBy } from './range.js';
import { parseShardSpec, type ShardSpec } from './spec.js';
import { pidAlive } from './pid.js';
import { EventLoopMgr } from '../evtloop/event-loop-mgr.js';

const OVERRIDE = { file: '<--shard>', line: 1, column: 1 };

export interface ShardOutcome {
  summary?: RunSummary;
  error?: unknown;
  exitCode: number;
  status: string;
  workers: number;
}

export class ShardRun {
  readonly spec: ShardSpec;
  /** The job's output directory (holds shards/ and, after the merge, the outputs). */
  readonly out: string;
  readonly optionsFile: string;
  readonly digest: string;
  readonly by: ShardBy;
  readonly partial: string;
  readonly #started = new Date();
  #events: EventRange | undefined;
  #job: EventRange | undefined;

  private constructor(spec: ShardSpec, out: string, optionsFile: string, digest: string, by: ShardBy) {
    this.spec = spec;
    this.out = out;
    this.optionsFile = optionsFile;
    this.digest = digest;
    this.by = by;
    this.partial = partialShardDir(out, spec.index);
  }

  /**
   * Reads the shard's place from `--shard` and the options (with the command line's
   * overrides applied), and points the run's outputs at the partial directory.
   */
  static prepare(optionsFile: string, text: string, options: JobOptions): ShardRun {
    const spec = parseShardSpec(text);
    const outDir = options.get('ApplicationMgr', 'OutputDir')?.value;
    if (typeof outDir !== 'string' || outDir === '') {
      throw new CowloopError(ErrorCodes.ERR_COWLOOP_INVALID_ARGUMENT, '--shard needs the job\'s output directory: give --out DIR (or set ApplicationMgr.OutputDir)');
    }
    const by: ShardBy = options.get('MpEventLoopMgr', 'Strategy')?.value === 'files' ? 'files' : 'events';
    const run = new ShardRun(spec, path.resolve(outDir), path.resolve(optionsFile), optionsDigest(options), by);
    fs.mkdirSync(shardsDir(run.out), { recursive: true });
    removeStaleWorkDirs(run.out, spec.index);
    fs.mkdirSync(run.partial);
    options.set('ApplicationMgr', 'OutputDir', run.partial, OVERRIDE);
    run.#writeAttempt({ status: 'running' });
    return run;
  }

  /** After configure: initialises the job, counts its events and narrows the run to this shard's share. */
  async narrow(app: Application, say: (line: string) => void): Promise<void> {
    if (app.state === 'configured') await app.initialize();
    const loop = app.eventLoop;
    if (!(loop instanceof EventLoopMgr)) {
      throw new CowloopError(ErrorCodes.ERR_COWLOOP_SHARD, `--shard needs an event loop with an event selector (EventLoopMgr or MpEventLoopMgr); ApplicationMgr.EventLoop is ${loop.type}`);
    }
    const selector = loop.selector;
    const files = (selector as { files?: () => ReadonlyArray<{ first: number; count: number }> }).files?.() ?? [];
    if (this.by === 'files' && files.length === 0) {
      throw new CowloopError(ErrorCodes.ERR_COWLOOP_SHARD, `--shard with --strategy files needs an event selector that lists its input files (${selector.name} does not)`);
    }
    const job = jobRange(selector.count?.(), loop.skipEvents, loop.eventMax);
    const events = shardRange({ job, files }, this.spec, this.by);
    if (events.first > 0 && !selector.hasProperty('SkipEvents')) {
      throw new CowloopError(ErrorCodes.ERR_COWLOOP_SHARD, `--shard needs ${selector.name}.SkipEvents to start a shard past the first event (${selector.type} has no such property)`);
    }
    if (selector.hasProperty('SkipEvents')) selector.setProperty('SkipEvents', events.first, OVERRIDE);
    app.appMgr.setProperty('EvtMax', events.end - events.first, OVERRIDE);
    this.#job = job;
    this.#events = events;
    say(`cowloop: shard ${this.spec.index}/${this.spec.count}: events [${events.first}, ${events.end}) of [${job.first}, ${job.end}) by ${this.by}`);
  }

  /** After the run: the whole shard goes into place with its manifest, or nothing does. Returns the exit code. */
  finish(outcome: ShardOutcome): number {
    const { summary, error } = outcome;
    if (error !== undefined || !summary || !this.#events || !this.#job) {
      fs.rmSync(this.partial, { recursive: true, force: true, maxRetries: 3 });
      this.#writeAttempt({ status: 'failed', exit: { code: outcome.exitCode, status: outcome.status }, error: errorText(error) });
      return outcome.exitCode;
    }
    try {
      const manifest = this.#manifest(summary, outcome);
      writeJsonAtomically(path.join(this.partial, MANIFEST), manifest);
      this.#swapIntoPlace();
      this.#writeAttempt({ status: 'done', exit: manifest.exit });
      return outcome.exitCode;
    } catch (e) {
      fs.rmSync(this.partial, { recursive: true, force: true, maxRetries: 3 });
      this.#writeAttempt({ status: 'failed', exit: { code: 1, status: 'error' }, error: errorText(e) });
      throw e;
    }
  }

  #manifest(summary: RunSummary, outcome: ShardOutcome): ShardManifest {
    const outputs = summary.outputs.map((file) => {
      const name = path.relative(this.partial, file);
      if (name.startsWith('..') || path.isAbsolute(name)) {
        throw new CowloopError(ErrorCodes.ERR_COWLOOP_SHARD, `output ${file} is outside the shard's directory: a sharded job's outputs must be relative paths (they resolve against --out)`);
      }
      return { name: name.split(path.sep).join('/'), ...fileDigest(file) };
    });
    outputs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const batch = batchIdsFromEnv();
    return {
      format: MANIFEST_FORMAT,
      shard: { ...this.spec },
      by: this.by,
      events: this.#events!,
      job: { ...this.#job!, optionsFile: this.optionsFile, optionsDigest: this.digest },
      processed: summary.processed,
      failed: summary.failed,
      failedEvents: summary.failedEvents.map((f) => f.number),
      outputs,
      start: this.#started.toISOString(),
      end: new Date().toISOString(),
      host: hostName(),
      pid: process.pid,
      workers: outcome.workers,
      exit: { code: outcome.exitCode, status: outcome.status },
      ...(batch ? { batch } : {}),
    };
  }

  /** Renames the partial directory to shards/<i>; an earlier copy is moved aside first, then removed. */
  #swapIntoPlace(): void {
    const final = shardDir(this.out, this.spec.index);
    const old = oldShardDir(this.out, this.spec.index);
    let movedAside = false;
    try {
      fs.renameSync(final, old);
      movedAside = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    fs.renameSync(this.partial, final);
    if (movedAside) fs.rmSync(old, { recursive: true, force: true, maxRetries: 3 });
  }

  #writeAttempt(fields: Pick<ShardAttempt, 'status' | 'exit' | 'error'>): void {
    const batch = batchIdsFromEnv();
    const attempt: ShardAttempt = {
      shard: { ...this.spec },
      status: fields.status,
      host: hostName(),
      pid: process.pid,
      start: this.#started.toISOString(),
      ...(fields.status === 'running' ? {} : { end: new Date().toISOString() }),
      ...(fields.exit ? { exit: fields.exit } : {}),
      ...(fields.error ? { error: fields.error } : {}),
      ...(batch ? { batch } : {}),
    };
    writeJsonAtomically(attemptFile(this.out, this.spec.index), attempt);
  }
}

function errorText(error: unknown): string | undefined {
  if (error === undefined) return undefined;
  if (error instanceof CowloopError) return `${error.message} [${error.code}]`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Removes what killed runs of shard `index` on this host left (their pid is gone): a
 * partial directory, or an earlier copy moved aside. Other hosts' are theirs to judge.
 */
function removeStaleWorkDirs(out: string, index: number): void {
  const host = hostName();
  for (const name of fs.readdirSync(shardsDir(out))) {
    const m = WORK_DIR_PATTERN.exec(name);
    if (!m || Number(m[1]) !== index || m[3] !== host || Number(m[4]) === process.pid || pidAlive(Number(m[4]))) continue;
    const dir = path.join(shardsDir(out), name);
    if (m[2] === 'old' && !fs.existsSync(shardDir(out, index))) {
      // Killed between moving the old copy aside and putting the new one in: the old one is still whole.
      fs.renameSync(dir, shardDir(out, index));
      continue;
    }
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  }
}
