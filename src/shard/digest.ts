// Digests that tell whether shards belong to the same job: one of the job's options, one of
// each output file.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { formatValue } from '../options/format.js';
import type { JobOptions } from '../options/types.js';

/**
 * Options that change how a job runs but not what it writes (where, with how many workers,
 * how loudly): shards may differ in them and still merge into the serial run's bytes.
 */
const RUN_ONLY = new Set(['ApplicationMgr.OutputDir', 'ApplicationMgr.EventLoop', 'ApplicationMgr.KeepPartialOutputs', 'EventLoopMgr.PrintFreq']);
const RUN_ONLY_CLIENTS = new Set(['MpEventLoopMgr', 'MessageSvc']);

export function isRunOnlyOption(client: string, property: string): boolean {
  return RUN_ONLY_CLIENTS.has(client) || RUN_ONLY.has(`${client}.${property}`);
}

/** sha256 of the job's options (sorted `Client.Property = value` lines), run-only options left out. */
export function optionsDigest(options: JobOptions): string {
  const lines = options
    .entries()
    .filter((e) => !isRunOnlyOption(e.client, e.property))
    .map((e) => `${e.client}.${e.property} = ${formatValue(e.value)};`)
    .sort();
  return `sha256:${createHash('sha256').update(lines.join('\n')).digest('hex')}`;
}

export interface FileDigest {
  bytes: number;
  sha256: string;
}

export function fileDigest(file: string): FileDigest {
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  let bytes = 0;
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
      bytes += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return { bytes, sha256: hash.digest('hex') };
}
