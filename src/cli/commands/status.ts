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

/** True when merge.json covers every shard that is now whole (a later shard rerun makes it stale). */
function mergedNow(out: string, shards: number | undefined): boolean {
  const file = mergeRecordFile(out);
  const record = readJson<{ shards: unknown[] }>(file);
  if (!record || record.shards.length !== shards) return false;
  const at = fs.statSync(file).mtimeMs;
  for (let i = 0; i < shards; i++) {
    try {
      if (fs.statSync(path.join(out, 'shards', String(i), 'manifest.json')).mtimeMs > at) return false;
    } catch {
      return false;
    }
  }
  return true;
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
      status.merge.merged = mergedNow(out, count ?? status.count);
      if (status.merge.merged) status.merge.state = 'done';
      let queue: QueueStatus | undefined;
      if (flags.redis !== undefined) {
        if (!record) throw new CowloopError(ErrorCodes.ERR_COWLOOP_INVALID_ARGUMENT, `${out} holds no submitted job (no job.json): --redis needs a job queued with cowloop submit redis`);
        const name = record.redis?.queue ?? queueName(record.optionsFile, record.optionsDigest);
        queue = await queueStatus(flags.redis, name);
        if (!queue) throw new CowloopError(ErrorCodes.ERR_COWLOOP_QUEUE, `no job ${name} in the queue at ${flags.redis}`);
      }
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(queue ? { ...status, queue } : status, null, 2)}\n`);
      } else {
        const done = status.shards.filter((s) => s.state === 'done').length;
        const what = record ? `${path.basename(record.optionsFile)}, ` : '';
        process.stdout.write(`job ${out}: ${what}${status.count ?? '?'} shards, ${done} done\n${table(status)}\n`);
        for (const p of status.problems) process.stdout.write(`problem: ${p}\n`);
        const m = status.merge;
        process.stdout.write(`merge: ${m.state}${m.slurm ? ` (job ${m.slurm.id}${m.slurm.reason && m.slurm.reason !== 'None' ? `, ${m.slurm.reason}` : ''})` : ''}\n`);
        if (status.slurmUnreachable) process.stdout.write(`slurm: not asked (${status.slurmUnreachable})\n`);
        if (queue) process.stdout.write(`${queueStatusText(queue)}\n`);
      }
      setExitCode(EXIT.OK);
    });
};
