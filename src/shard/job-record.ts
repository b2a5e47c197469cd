// <out>/job.json: the job as submitted (whatever the batch system), so the merge, the
// status and a resubmission know the shard count and options digest to expect.
import { CowloopError, ErrorCodes } from '../errors.js';
import type { Expectation } from './job-state.js';
import { jobRecordFile } from './layout.js';
import { readJson, writeJsonAtomically } from './manifest.js';

export interface JobRecord {
  format: 'cowloop-job/1';
  optionsFile: string;
  /** The `cowloop run` arguments every shard gets (after the options file, before --shard). */
  runArgs: string[];
  /** The directory the shards run in (relative paths of the command line resolve from it). */
  cwd: string;
  shards: number;
  workersPerShard: number;
  optionsDigest: string;
  created: string;
  /** A job queued in Redis (cowloop submit redis): its ranges are the shards. */
  redis?: { url: string; queue: string; rangeSize: number };
}

export function readJobRecord(out: string): JobRecord | undefined {
  try {
    return readJson<JobRecord>(jobRecordFile(out));
  } catch (error) {
    throw new CowloopError(ErrorCodes.ERR_COWLOOP_SHARD, (error as Error).message);
  }
}

export function writeJobRecord(out: string, record: JobRecord): void {
  writeJsonAtomically(jobRecordFile(out), record);
}

export function expectationOf(record: JobRecord | undefined): Expectation {
  return record ? { count: record.shards, optionsDigest: record.optionsDigest } : {};
}
