// `cowloop submit slurm <options-file> --shards N --out DIR [...]`: one job over many
// machines as a Slurm array of shards and a merge job after it (src/batch/slurm/).
// `cowloop submit --resume DIR`: resubmits the shards that are missing or failed, then
// the merge. --dry-run prints the scripts and sbatch lines and writes nothing.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import '../../index.js';
import { estimateShardMemory, measureInitialisedJob } from '../../batch/memory.js';
import { jobStatus } from '../../batch/slurm/job-status.js';
import { scancel } from '../../batch/slurm/commands.js';
import type { SlurmJobSpec } from '../../batch/slurm/scripts.js';
import { planSubmission, readSlurmRecord, submit, type PlannedSubmission, type SlurmSettings } from '../../batch/slurm/submission.js';
import { CowloopError, ErrorCodes } from '../../errors.js';
import { loadJobOptions } from '../../options/load.js';
import { optionsDigest } from '../../shard/digest.js';
import { expectationOf, readJobRecord, writeJobRecord, type JobRecord } from '../../shard/job-record.js';
import type { RegisterCommand } from '../commands.js';
import { EXIT } from '../exit-codes.js';
import { applyRunFlags } from './run.js';
import { DEFAULT_RANGE_SIZE, submitRedis } from './work.js';

interface SubmitFlags {
  shards?: string;
  workersPerShard?: string;
  partition?: string;
  time?: string;
  mem?: string;
  account?: string;
  sbatchArg: string[];
  setup: string[];
  set: string[];
  events?: string;
  strategy?: string;
  out?: string;
  resume?: string;
  dryRun?: boolean;
  redis?: string;
  rangeSize?: string;
}

const SYSTEMS = ['slurm', 'redis'];
const collect = (v: string, all: string[]): string[] => [...all, v];

function positive(flag: string, text: string | undefined, fallback?: number): number {
  if (text === undefined && fallback !== undefined) return fallback;
  const n = Number(text);
  if (text === undefined || !Number.isInteger(n) || n < 1) {
    throw new CowloopError(ErrorCodes.ERR_COWLOOP_INVALID_ARGUMENT, `${flag} must be an integer >= 1 (got ${JSON.stringify(text ?? '')})`);
  }
  return n;
}

/** The node command that runs this very installation of cowloop (the nodes share its file system). */
function cowloopCommand(): string[] {
  return [process.execPath, require.resolve('../../../../bin/cowloop.js')];
}

function settingsOf(flags: SubmitFlags, earlier?: SlurmSettings): SlurmSettings {
  const partition = flags.partition ?? earlier?.partition;
  const time = flags.time ?? earlier?.time;
  const account = flags.account ?? earlier?.account;
  return {
    ...(partition ? { partition } : {}),
    ...(time ? { time } : {}),
    ...(account ? { account } : {}),
    sbatchArgs: flags.sbatchArg.length ? flags.sbatchArg : (earlier?.sbatchArgs ?? []),
    setup: flags.setup.length ? flags.setup : (earlier?.setup ?? []),
  };
}

function specOf(record: JobRecord, out: string, settings: SlurmSettings, tasks: number[], mem: { mem?: string; explanation: string }, cwd: string): SlurmJobSpec {
  return {
    name: `cowloop-${path.basename(record.optionsFile).replace(/\.[^.]*$/, '')}`,
    out,
    cwd,
    cowloop: cowloopCommand(),
    optionsFile: record.optionsFile,
    runArgs: record.runArgs,
    shards: record.shards,
    tasks,
    workersPerShard: record.workersPerShard,
    ...(mem.mem !== undefined ? { mem: mem.mem } : {}),
    memExplanation: mem.explanation,
    ...settings,
  };
}

function printPlan(plan: PlannedSubmission): void {
  for (const s of plan.scripts) process.stdout.write(`# ----- ${s.file}\n${s.text}\n`);
  process.stdout.write(`# ----- would run:\n${plan.commands.join('\n')}\n`);
}

async function submitNew(file: string, flags: SubmitFlags): Promise<number> {
  if (!flags.out) throw new CowloopError(ErrorCodes.ERR_COWLOOP_INVALID_ARGUMENT, 'submit needs --out DIR: the job\'s directory on a file system every node sees');
  const shards = positive('--shards', flags.shards);
  const workers = positive('--workers-per-shard', flags.workersPerShard, 2);
  const out = path.resolve(flags.out);
  const optionsFile = path.resolve(file);
  const options = await loadJobOptions(optionsFile);
  applyRunFlags(options, { set: flags.set, ...(flags.events !== undefined ? { events: flags.events } : {}), ...(flags.strategy !== undefined ? { strategy: flags.strategy } : {}) });
  const existing = readJobRecord(out);
  if (existing && !flags.dryRun) {
    throw new CowloopError(
      ErrorCodes.ERR_COWLOOP_INVALID_ARGUMENT,
      `${out} already holds a submitted job (${existing.optionsFile}, ${existing.shards} shards): use cowloop submit --resume ${flags.out}, or another --out`,
    );
  }
  const runArgs = [
    ...(flags.events !== undefined ? ['--events', flags.events] : []),
    ...(flags.strategy !== undefined ? ['--strategy', flags.strategy] : []),
    ...flags.set.flatMap((s) => ['--set', s]),
  ];
  const record: JobRecord = {
    format: 'cowloop-job/1',
    optionsFile,
    runArgs,
    cwd: process.cwd(),
    shards,
    workersPerShard: workers,
    optionsDigest: optionsDigest(options),
    created: new Date().toISOString(),
  };
  let mem: { mem?: string; explanation: string };
  if (flags.mem !== undefined) {
    mem = { mem: flags.mem, explanation: `${flags.mem} as given (--mem)` };
  } else {
    const estimate = estimateShardMemory(await measureInitialisedJob(options), workers);
    mem = { mem: `${estimate.mib}M`, explanation: estimate.explanation };
  }
  const tasks = Array.from({ length: shards }, (_, k) => k);
  const settings = settingsOf(flags);
  const plan = planSubmission(specOf(record, out, settings, tasks, mem, record.cwd), 0);
  if (flags.dryRun) {
    printPlan(plan);
    return EXIT.OK;
  }
  writeJobRecord(out, record);
  const s = submit(out, plan, settings);
  process.stdout.write(
    `submitted array job ${s.arrayJobId} (${shards} shards of ${workers} workers) and merge job ${s.mergeJobId} (after every shard succeeds)\n` +
      `scripts and logs in ${path.join(out, 'slurm')}; follow it with: cowloop status ${flags.out}\n`,
  );
  return EXIT.OK;
}

async function resume(dir: string, flags: SubmitFlags): Promise<number> {
  const out = path.resolve(dir);
  const record = readJobRecord(out);
  if (!record) throw new CowloopError(ErrorCodes.ERR_COWLOOP_INVALID_ARGUMENT, `${out} holds no submitted job (no job.json): submit it first with cowloop submit slurm`);
  const status = jobStatus(out, expectationOf(record), false);
  if (status.slurmUnreachable) throw new CowloopError(ErrorCodes.ERR_COWLOOP_BATCH_SUBMIT, `cannot ask Slurm about the job's tasks: ${status.slurmUnreachable}`);
  const busy = status.shards.filter((s) => s.state === 'running' || s.state === 'pending');
  if (busy.length) {
    throw new CowloopError(
      ErrorCodes.ERR_COWLOOP_BATCH_SUBMIT,
      `shard${busy.length === 1 ? '' : 's'} ${busy.map((s) => `${s.index} (${s.state}${s.slurm ? `, ${s.slurm.id}` : ''})`).join(', ')} still queued or running: wait for ${busy.length === 1 ? 'it' : 'them'}, or scancel ${busy.length === 1 ? 'it' : 'them'}, then resume`,
    );
  }
  const tasks = status.shards.filter((s) => s.state !== 'done' && s.index < record.shards).map((s) => s.index);
  const slurmRecord = readSlurmRecord(out);
  const previous = slurmRecord.submissions;
  const settings = settingsOf(flags, slurmRecord.settings);
  const last = previous[previous.length - 1];
  // The earlier merge job waits on a dependency that can no longer be met: withdraw it.
  const staleMerge = last && status.merge.slurm && status.merge.slurm.state === 'PENDING' ? last.mergeJobId : undefined;
  const mem = flags.mem !== undefined ? { mem: flags.mem, explanation: `${flags.mem} as given (--mem)` } : memOfFirstScript(previous.find((p) => p.shardScript)?.shardScript);
  const plan = planSubmission(specOf(record, out, settings, tasks, mem, record.cwd), previous.length);
  if (flags.dryRun) {
    if (staleMerge) process.stdout.write(`# would cancel the earlier merge job ${staleMerge}\n`);
    printPlan(plan);
    return EXIT.OK;
  }
  if (staleMerge) scancel([staleMerge]);
  const s = submit(out, plan, settings);
  process.stdout.write(
    (tasks.length ? `resubmitted shard${tasks.length === 1 ? '' : 's'} ${tasks.join(', ')} as array job ${s.arrayJobId}, ` : 'every shard is whole; ') +
      `merge job ${s.mergeJobId}${staleMerge ? ` (earlier merge job ${staleMerge} cancelled)` : ''}\n`,
  );
  return EXIT.OK;
}

/** The memory the first submission's array script asked for, and why, for the scripts of a resubmission. */
function memOfFirstScript(file: string | undefined): { mem?: string; explanation: string } {
  let text = '';
  try {
    if (file) text = fs.readFileSync(file, 'utf8');
  } catch {
    /* removed by hand: the partition's default then */
  }
  const mem = /^#SBATCH --mem=(\S+)$/m.exec(text)?.[1];
  const why = /^# memory: (.*)$/m.exec(text)?.[1];
  return mem ? { mem, explanation: why ?? `${mem}, as first submitted` } : { explanation: 'the partition\'s default' };
}

export const registerSubmitCommand: RegisterCommand = (program: Command, setExitCode) => {
  program
    .command('submit')
    .description('run a job over a batch system: N shards as an array job, then a merge job after them (slurm)')
    .argument('[system]', `batch system: ${SYSTEMS.join(', ')}`)
    .argument('[options-file]', 'job options file')
    .option('--shards <n>', 'number of shards (array tasks)')
    .option('--out <dir>', 'the job\'s directory, on a file system every node sees: shards/, slurm/ and the merged outputs')
    .option('--workers-per-shard <n>', 'forked workers in each shard (its CPUs per task)', undefined)
    .option('--partition <p>', 'Slurm partition')
    .option('--time <t>', 'time limit per task (Slurm syntax, e.g. 2:00:00)')
    .option('--mem <m>', 'memory per task (Slurm syntax, e.g. 4G); default: the serial process measured here plus a small figure per worker')
    .option('--account <a>', 'Slurm account')
    .option('--sbatch-arg <arg>', 'one more #SBATCH line for both scripts (repeatable), e.g. --sbatch-arg=--qos=short', collect, [])
    .option('--setup <line>', 'a shell line run before cowloop on the nodes (repeatable), e.g. "module load nodejs"', collect, [])
    .option('-s, --set <Client.Property=value>', 'override one job option in every shard (repeatable)', collect, [])
    .option('--events <n>', 'process at most N events in all (ApplicationMgr.EvtMax)')
    .option('--strategy <s>', 'files: shard by whole input files; else by events (MpEventLoopMgr.Strategy in each shard)')
    .option('--resume <dir>', 'resubmit the shards of DIR that are missing or failed, then the merge')
    .option('--dry-run', 'print the batch scripts and sbatch lines; submit and write nothing')
    .option('--redis <url>', 'redis: the server to queue the ranges in, redis://host:port')
    .option('--range-size <n>', `redis: events per range (default ${DEFAULT_RANGE_SIZE})`)
    .action(async (system: string | undefined, file: string | undefined, flags: SubmitFlags) => {
      if (flags.resume !== undefined) {
        if (system !== undefined && !SYSTEMS.includes(system)) throw unknownSystem(system);
        if (file !== undefined) throw new CowloopError(ErrorCodes.ERR_COWLOOP_INVALID_ARGUMENT, 'submit --resume DIR takes no options file: the job in DIR says which it runs');
        setExitCode(await resume(flags.resume, flags));
        return;
      }
      if (system === undefined) throw new CowloopError(ErrorCodes.ERR_COWLOOP_INVALID_ARGUMENT, `submit needs a batch system (${SYSTEMS.join(', ')}) and an options file, or --resume DIR`);
      if (!SYSTEMS.includes(system)) throw unknownSystem(system);
      if (file === undefined) throw new CowloopError(ErrorCodes.ERR_COWLOOP_INVALID_ARGUMENT, `submit ${system} needs an options file`);
      if (system === 'redis') {
        setExitCode(await submitRedis(file, flags));
        return;
      }
      setExitCode(await submitNew(file, flags));
    });
};

function unknownSystem(system: string): CowloopError {
  return new CowloopError(
    ErrorCodes.ERR_COWLOOP_INVALID_ARGUMENT,
    `unknown batch system ${JSON.stringify(system)}: cowloop submits to ${SYSTEMS.join(', ')}; for another, run \`cowloop run <options> --shard i/N --out DIR\` per task and \`cowloop merge --job DIR\` after them`,
  );
}
