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

/**
 * Makes the partial directory durable and renames it into place: the worker wrote and closed
 * its files without syncing; here the manifest is written, then the files, the manifest and
 * the directory are synced all at once (the syncs overlap on the thread pool), then the
 * directory is renamed and the ranges directory synced, so that the range, once placed,
 * survives a crash of the machine. Asynchronous: the node's master keeps feeding its workers
 * meanwhile, and acknowledges the range only once this resolves. When another node already
 * put the range there (its lease ran out, both finished), the copy in place stays and this
 * one is dropped: one copy of every range. Resolves false in that case.
 */
export async function placeRange(out: string, partial: string, r: QueuedRange, meta: QueueMeta, result: RangeResult, started: Date): Promise<boolean> {
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
  await Promise.all([...names, MANIFEST, ...subdirs, '.'].map((name) => syncPath(path.join(partial, name))));
  try {
    await fs.promises.rename(partial, rangeDir(out, r));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
    await fs.promises.rm(partial, { recursive: true, force: true, maxRetries: 3 });
    return false;
  }
  await syncPath(rangesDir(out));
  return true;
}
