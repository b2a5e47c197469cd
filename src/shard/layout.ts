// Where a sharded job keeps its files, all under the job's output directory <out>:
//   <out>/shards/<i>/                 shard i, whole: its outputs and manifest.json
//   <out>/shards/<i>.attempt.json     the last attempt at shard i (running, failed, done)
//   <out>/shards/.<i>.partial-<host>-<pid>/   shard i being written by that process
//   <out>/<name>                      the merged outputs (cowloop merge --job)
//   <out>/merge.json                  what the last merge read and wrote
//   <out>/slurm/                      batch scripts, logs and submitted job ids
import * as os from 'node:os';
import * as path from 'node:path';

export const MANIFEST = 'manifest.json';

export function shardsDir(out: string): string {
  return path.join(out, 'shards');
}

export function shardDir(out: string, index: number): string {
  return path.join(shardsDir(out), String(index));
}

export function attemptFile(out: string, index: number): string {
  return path.join(shardsDir(out), `${index}.attempt.json`);
}

/** This host's short name: partial directories are named by host and pid, so a shared file system never mixes them up. */
export function hostName(): string {
  return os.hostname().split('.')[0] ?? os.hostname();
}

export function partialShardDir(out: string, index: number, host = hostName(), pid = process.pid): string {
  return path.join(shardsDir(out), `.${index}.partial-${host}-${pid}`);
}

/** `.<i>.partial-<host>-<pid>` or `.<i>.old-<host>-<pid>`: what a shard run leaves while it works. */
export const WORK_DIR_PATTERN = /^\.(\d+)\.(partial|old)-(.+)-(\d+)$/;

export function oldShardDir(out: string, index: number): string {
  return path.join(shardsDir(out), `.${index}.old-${hostName()}-${process.pid}`);
}

export function mergeRecordFile(out: string): string {
  return path.join(out, 'merge.json');
}

/** What `cowloop submit` recorded of the job (options file, shard count, options digest), for any batch system. */
export function jobRecordFile(out: string): string {
  return path.join(out, 'job.json');
}
