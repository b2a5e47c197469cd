// `--shard i/N`: the i-th (from 0) of N shares of a job.
import { CowloopError, ErrorCodes } from '../errors.js';

export interface ShardSpec {
  index: number;
  count: number;
}

export function parseShardSpec(text: string): ShardSpec {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !Number.isSafeInteger(index) || !Number.isSafeInteger(count) || count < 1 || index >= count) {
    throw new CowloopError(
      ErrorCodes.ERR_COWLOOP_INVALID_ARGUMENT,
      `--shard must be i/N with 0 <= i < N, shards numbered from 0 (got ${JSON.stringify(text)})`,
    );
  }
  return { index, count };
}
