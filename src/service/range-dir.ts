// Where a queued job keeps its ranges, under the job's output directory <out>:
//   <out>/ranges/<first>-<last>/                        a range, whole: outputs and manifest.json
//   <out>/ranges/.<first>-<last>.partial-<host>-<pid>/  a range being written by that process
// A range's manifest is a shard manifest (shard = the range's index of the job's ranges),
// so cowloop merge --job and cowloop status read ranges as they read shards.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileDigest } from '../shard/digest.js';
import { hostName, MANIFEST } from '../shard/layout.js';
import { MANIFEST_FORMAT, type ShardManifest } from '../shard/manifest.js';
import type { QueueMeta, QueuedRange } from './range-queue.js';
import type { RangeResult } from './range-run.js';

export function rangesDir(out: string): string {
  return path.join(out, 'ranges');
}

export function rangeDir(out: string, r: Pick<QueuedRange, 'first' | 'end'>): string {
  return path.join(rangesDir(out), `${r.first}-${r.end - 1}`);
}

export function partialRangeDir(out: string, r: Pick<QueuedRange, 'first' | 'end'>): string {
  return path.join(rangesDir(out), `.${r.first}-${r.end - 1}.partial-${hostName()}-${process.pid}`);
}

/** Files under dir, relative, '/'-separated, sorted. */
function filesUnder(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...filesUnder(path.join(dir, e.name), rel));
    else if (e.isFile() && !e.name.startsWith('.')) out.push(rel);
  }
  return out.sort();
}

/** fsync of a file or a directory (best effort where the file system refuses it, as in src/util/partial-file.ts). */
async function syncPath(p: string): Promise<void> {
  const handle = await fs.promises.open(p, 'r');
  try {
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'ENOTSUP') throw error;
  } finally {
    await handle.close();
  }
}

/** A range its worker finished: its outputs, unsynced, in its partial directory. */
export interface FinishedRange {
  partial: string;
  range: QueuedRange;
  result: RangeResult;
  started: Date;
}

/**
 * Makes finished ranges durable and renames each into place. Their workers wrote and closed
 * the files without syncing; here each range's manifest is written, then every file,
 * manifest and partial directory of them all is synced at once (the syncs overlap on the
 * thread pool and share the file system's journal commits), then the directories are renamed
 * and the ranges directory synced once, so that a range, once placed, survives a crash of
 * the machine. Asynchronous: the node's master keeps feeding its workers meanwhile, and
 * acknowledges a range only once this resolves. When another node already put a range there
 * (its lease ran out, both finished), the copy in place stays and this one is dropped: one
 * copy of every range. Resolves, for each range, whether it was placed (false: dropped).
 */
export async function placeRanges(out: string, meta: QueueMeta, finished: readonly FinishedRange[]): Promise<boolean[]> {
  const toSync: string[] = [];
  for (const { partial, range: r, result, started } of finished) {
    const names = filesUnder(partial);
    const outputs = names.map((name) => ({ name, ...fileDigest(path.join(partial, name)) }));
    const manifest: ShardManifest = {
      format: MANIFEST_FORMAT,
      shard: { index: r.index, count: meta.ranges },
      by: 'events',
      events: { first: r.first, end: r.end },
      job: { first: meta.jobFirst, end: meta.jobEnd, optionsFile: meta.optionsFile, optionsDigest: meta.digest },
      processed: result.processed,
      failed: result.failed,
      failedEvents: result.failedEvents,
      outputs,
      start: started.toISOString(),
      end: new Date().toISOString(),
      host: hostName(),
      pid: process.pid,
      workers: 1,
      exit: { code: 0, status: 'ok' },
    };
    // A plain write: the directory is what is placed whole, not the file.
    await fs.promises.writeFile(path.join(partial, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    const subdirs = new Set<string>();
    for (const n of names) for (let d = path.posix.dirname(n); d !== '.'; d = path.posix.dirname(d)) subdirs.add(d);
    for (const name of [...names, MANIFEST, ...subdirs, '.']) toSync.push(path.join(partial, name));
  }
  await Promise.all(toSync.map(syncPath));
  const placed: boolean[] = [];
  for (const { partial, range } of finished) {
    try {
      await fs.promises.rename(partial, rangeDir(out, range));
      placed.push(true);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
      await fs.promises.rm(partial, { recursive: true, force: true, maxRetries: 3 });
      placed.push(false);
    }
  }
  if (placed.includes(true)) await syncPath(rangesDir(out));
  return placed;
}

/** An empty partial directory for a range (one left by an earlier attempt of this process is emptied). */
export async function preparePartial(partial: string): Promise<void> {
  try {
    await fs.promises.mkdir(partial);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    await fs.promises.rm(partial, { recursive: true, force: true });
    await fs.promises.mkdir(partial);
  }
}
