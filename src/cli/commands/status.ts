// `cowloop status <out>`: each shard of a sharded job (done, failed, running, pending,
// missing, mismatched) from its manifests and, where Slurm is reachable, its tasks.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { jobStatus, type JobStatus } from '../../batch/slurm/job-status.js';
import { expectationOf, readJobRecord } from '../../shard/job-record.js';
import { mergeRecordFile } from '../../shard/layout.js';
import { readJson } from '../../shard/manifest.js';
import { queueStatus, queueStatusText, type QueueStatus } from '../../service/queue-status.js';
import { queueName } from '../../service/range-queue.js';
import { CowloopError, ErrorCodes } from '../../errors.js';
import type { RegisterCommand } from '../commands.js';
import { EXIT } from '../exit-codes.js';

interface StatusFlags {
  json?: boolean;
  slurm?: boolean;
  redis?: string;
}

function table(status: JobStatus): string {
  const rows = status.shards.map((s) => [
    String(s.index),
    s.state,
    s.events ? `[${s.events.first}, ${s.events.end})` : '',
    s.processed !== undefined ? String(s.processed) : '',
    s.failed !== undefined ? String(s.failed) : '',
    s.slurm?.node || s.host || '',
    s.slurm ? `${s.slurm.id} ${s.slurm.state}${s.slurm.runTime ? ` ${s.slurm.runTime}` : ''}${s.slurm.state === 'PENDING' && s.slurm.reason ? ` (${s.slurm.reason})` : ''}` : '',
    s.reasons.join('; '),
  ]);
  const head = ['shard', 'state', 'events', 'processed', 'failed', 'node', 'slurm', 'why'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

/** Each shard's manifest: <out>/shards/<i>/, or a queued job's ranges, <out>/ranges/<first>-<last>/. */
function manifestFiles(out: string, shards: number, queued: boolean): string[] {
  if (!queued) return Array.from({ length: shards }, (_, i) => path.join(out, 'shards', String(i), 'manifest.json'));
  const ranges = path.join(out, 'ranges');
  const names = fs.existsSync(ranges) ? fs.readdirSync(ranges).filter((n) => /^\d+-\d+$/.test(n)) : [];
  return names.map((n) => path.join(ranges, n, 'manifest.json'));
}

/**
 * True when merge.json covers every shard that is now whole (a later shard rerun makes it
 * stale) and the merged outputs it lists are there at their size (a merge killed before
 * writing merge.json, or outputs removed since, is not done).
 */
function mergedNow(out: string, shards: number | undefined, queued: boolean): boolean {
  const file = mergeRecordFile(out);
  const record = readJson<{ shards: unknown[]; outputs?: Array<{ name: string; bytes: number }> }>(file);
  if (!record || shards === undefined || record.shards.length !== shards) return false;
  const at = fs.statSync(file).mtimeMs;
  const manifests = manifestFiles(out, shards, queued);
  if (manifests.length !== shards) return false;
  try {
    if (manifests.some((m) => fs.statSync(m).mtimeMs > at)) return false;
    return (record.outputs ?? []).every((o) => fs.statSync(path.join(out, o.name)).size === o.bytes);
  } catch {
    return false;
  }
}

/** Who claimed a queued job's merge, and what to do when that node is gone before it was done. */
function mergerText(queue: QueueStatus | undefined, merged: boolean, out: string): string {
  if (queue?.merger === undefined) return '';
  return merged ? ` (claimed by ${queue.merger})` : ` by ${queue.merger}, not done yet (if that node has ended, cowloop merge --job ${out} finishes it)`;
}

export const registerStatusCommand: RegisterCommand = (program: Command, setExitCode) => {
  program
    .command('status')
    .description('the state of each shard of a job (cowloop run --shard, cowloop submit): from its manifests and Slurm')
    .argument('<out>', 'the job\'s directory (--out of cowloop submit or cowloop run --shard)')
    .option('--json', 'print the status as JSON')
    .option('--no-slurm', 'do not ask Slurm; the files only')
    .option('--redis <url>', 'a job queued in Redis (cowloop submit redis): also ask the queue for ranges waiting, leased, poison, and each node\'s rate')
    .action(async (dir: string, flags: StatusFlags) => {
      const out = path.resolve(dir);
      if (!fs.existsSync(out)) throw new CowloopError(ErrorCodes.ERR_COWLOOP_INVALID_ARGUMENT, `${out} does not exist`);
      const record = readJobRecord(out);
      const expect = expectationOf(record);
      const count = expect.count ?? undefined;
      const status = jobStatus(out, expect, false, flags.slurm !== false);
      status.merge.merged = mergedNow(out, count ?? status.count, record?.redis !== undefined);
      if (status.merge.merged) status.merge.state = 'done';
      let queue: QueueStatus | undefined;
      if (flags.redis !== undefined) {
        if (!record) throw new CowloopError(ErrorCodes.ERR_COWLOOP_INVALID_ARGUMENT, `${out} holds no submitted job (no job.json): --redis needs a job queued with cowloop submit redis`);
        const name = record.redis?.queue ?? queueName(record.optionsFile, record.optionsDigest);
        queue = await queueStatus(flags.redis, name);
        if (!queue) throw new CowloopError(ErrorCodes.ERR_COWLOOP_QUEUE, `no job ${name} in the queue at ${flags.redis}`);
        // A queued job's merge: by hand, or by the node that claimed it (cowloop work --merge).
        if (!status.merge.merged) status.merge.state = queue.merger !== undefined ? 'claimed' : 'not started';
      }
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(queue ? { ...status, queue } : status, null, 2)}\n`);
      } else {
        const done = status.shards.filter((s) => s.state === 'done').length;
        const what = record ? `${path.basename(record.optionsFile)}, ` : '';
        process.stdout.write(`job ${out}: ${what}${status.count ?? '?'} shards, ${done} done\n${table(status)}\n`);
        for (const p of status.problems) process.stdout.write(`problem: ${p}\n`);
        const m = status.merge;
        process.stdout.write(`merge: ${m.state}${m.slurm ? ` (job ${m.slurm.id}${m.slurm.reason && m.slurm.reason !== 'None' ? `, ${m.slurm.reason}` : ''})` : ''}${mergerText(queue, m.merged === true, out)}\n`);
        if (status.slurmUnreachable) process.stdout.write(`slurm: not asked (${status.slurmUnreachable})\n`);
        if (queue) process.stdout.write(`${queueStatusText(queue)}\n`);
      }
      setExitCode(EXIT.OK);
    });
};
