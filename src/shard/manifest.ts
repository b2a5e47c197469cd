// The records a shard leaves: manifest.json inside its directory (written before the
// directory is renamed into place, so a shard directory always has one) and
// <i>.attempt.json beside it (the last attempt, rewritten as it starts and ends).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EventRange, ShardBy } from './range.js';
import { CowloopError, ErrorCodes } from '../errors.js';

export const MANIFEST_FORMAT = 'cowloop-shard/1';

/** The batch system's ids for this process, when it runs as a batch task. */
export interface BatchIds {
  system: 'slurm';
  jobId?: string;
  arrayJobId?: string;
  arrayTaskId?: string;
  node?: string;
}

export interface ShardManifest {
  format: typeof MANIFEST_FORMAT;
  shard: { index: number; count: number };
  by: ShardBy;
  /** This shard's events [first, end). */
  events: EventRange;
  /** The whole job's events. */
  job: EventRange & { optionsFile: string; optionsDigest: string };
  processed: number;
  failed: number;
  failedEvents: number[];
  /** Output files, relative to the shard directory (and the merged ones to <out>). */
  outputs: Array<{ name: string; bytes: number; sha256: string }>;
  start: string;
  end: string;
  host: string;
  pid: number;
  workers: number;
  exit: { code: number; status: string };
  batch?: BatchIds;
}

export type AttemptStatus = 'running' | 'done' | 'failed';

export interface ShardAttempt {
  shard: { index: number; count: number };
  status: AttemptStatus;
  host: string;
  pid: number;
  start: string;
  end?: string;
  exit?: { code: number; status: string };
  error?: string;
  batch?: BatchIds;
}

/** Slurm's ids from the environment of an array task (other batch systems: none yet). */
export function batchIdsFromEnv(env: NodeJS.ProcessEnv = process.env): BatchIds | undefined {
  if (!env.SLURM_JOB_ID) return undefined;
  return {
    system: 'slurm',
    jobId: env.SLURM_JOB_ID,
    ...(env.SLURM_ARRAY_JOB_ID ? { arrayJobId: env.SLURM_ARRAY_JOB_ID } : {}),
    ...(env.SLURM_ARRAY_TASK_ID ? { arrayTaskId: env.SLURM_ARRAY_TASK_ID } : {}),
    ...(env.SLURMD_NODENAME ? { node: env.SLURMD_NODENAME } : {}),
  };
}

/** Writes JSON under a temporary name and renames it into place: readers never see half of it. */
export function writeJsonAtomically(file: string, value: unknown): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

/** The parsed JSON of `file`, undefined when it does not exist; throws with the file's name when it does not parse. */
export function readJson<T>(file: string): T | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new CowloopError(ErrorCodes.ERR_COWLOOP_SHARD, `${file} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}
