// Where a queued job keeps its ranges, under the job's output directory <out>:
//   <out>/ranges/<first>-<last>/                        a range, whole: outputs and manifest.json
//   <out>/ranges/.<first>-<last>.partial-<host>-<pid>/  a range being written by that process
// A range's manifest is a shard manifest (shard = the range's index of the job's ranges),
// so cowloop merge --job and cowloop status read ranges as they read shards.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileDigest } from '../shard/digest.js';
import { hostName, MANIFEST } from '../shard/layout.js';
import { MANIFEST_FORMAT, writeJsonAtomically, type ShardManifest } from '../shard/manifest.js';
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

/**
 * Writes the manifest into the partial directory and renames it into place. When another
 * node already put the range there (its lease ran out, both finished), the copy in place
 * stays and this one is dropped: one copy of every range. Returns false in that case.
 */
export function placeRange(out: string, partial: string, r: QueuedRange, meta: QueueMeta, result: RangeResult, started: Date): boolean {
  const outputs = filesUnder(partial).map((name) => ({ name, ...fileDigest(path.join(partial, name)) }));
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
  writeJsonAtomically(path.join(partial, MANIFEST), manifest);
  try {
    fs.renameSync(partial, rangeDir(out, r));
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
    fs.rmSync(partial, { recursive: true, force: true, maxRetries: 3 });
    return false;
  }
}
