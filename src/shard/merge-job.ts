// `cowloop merge --job <out>`: every shard's outputs merged into <out>/<name>, with the
// workers' merge (records by event number, histograms bin by bin), so the result is the
// serial run's bytes. It first checks the whole job and refuses, naming each missing,
// failed or mismatched shard, before it writes anything at the output paths. The merged
// files are written in a staging directory and renamed into place at the end; running it
// again writes the same bytes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CowloopError, ErrorCodes } from '../errors.js';
import { mergeOutputs } from '../io/merge/merge-outputs.js';
import { fileDigest } from './digest.js';
import { readJob, type Expectation, type JobReport } from './job-state.js';
import { readJobRecord } from './job-record.js';
import { mergeRecordFile } from './layout.js';
import { writeJsonAtomically } from './manifest.js';

export interface JobMergeResult {
  out: string;
  shards: number;
  outputs: Array<{ name: string; file: string; records: number; bytes: number; sha256: string }>;
  processed: number;
  failed: number;
}

/** The refusal's text: every shard that stands in the way and why. */
export function refusalLines(report: JobReport): string[] {
  const lines: string[] = [];
  for (const s of report.shards) {
    if (s.state === 'done') continue;
    lines.push(`  shard ${s.index}: ${s.state}${s.reasons.length ? ` (${s.reasons.join('; ')})` : ''}`);
  }
  for (const p of report.problems) lines.push(`  ${p}`);
  return lines;
}

/** What to do about a refused merge: rerun shards, or, for a job queued in Redis, let nodes finish its ranges. */
function remedy(out: string): string {
  let queued: { url: string } | undefined;
  try {
    queued = readJobRecord(out)?.redis;
  } catch {
    queued = undefined; // a damaged job.json is named among the problems already
  }
  return queued
    ? `the job is queued in Redis: run cowloop work <options> --redis ${queued.url} --out DIR until every range is done (cowloop status DIR --redis ${queued.url}), then merge again`
    : 'rerun the shards named (cowloop run <options> --shard i/N --out DIR, or cowloop submit --resume DIR), then merge again';
}

export function mergeJob(outDir: string, expect: Expectation = {}): JobMergeResult {
  const out = path.resolve(outDir);
  const report = readJob(out, expect, true);
  const lines = refusalLines(report);
  const done = report.shards.filter((s) => s.state === 'done');
  const names = done.map((s) => s.manifest!.outputs.map((o) => o.name).join('\n'));
  if (lines.length === 0 && new Set(names).size > 1) {
    lines.push(`  the shards wrote different output files: ${[...new Set(names)].map((n) => `{${n.split('\n').join(', ')}}`).join(' vs ')}`);
  }
  if (lines.length > 0) {
    throw new CowloopError(
      ErrorCodes.ERR_COWLOOP_SHARD_MERGE_REFUSED,
      `cannot merge the job in ${out}; nothing was written at its output paths:\n${lines.join('\n')}\n` +
        remedy(out),
    );
  }
  const outputs = done[0]?.manifest?.outputs.map((o) => o.name) ?? [];
  const staging = path.join(out, `.merge-partial-${process.pid}`);
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  const result: JobMergeResult = {
    out,
    shards: done.length,
    outputs: [],
    processed: done.reduce((n, s) => n + s.manifest!.processed, 0),
    failed: done.reduce((n, s) => n + s.manifest!.failed, 0),
  };
  try {
    for (const name of outputs) {
      const inputs = done.map((s) => path.join(s.dir, name));
      const staged = path.join(staging, name);
      const stats = mergeOutputs(inputs, staged);
      result.outputs.push({ name, file: path.join(out, name), records: stats.records, ...fileDigest(staged) });
    }
    // Every merged file is whole before the first one goes into place.
    for (const o of result.outputs) {
      fs.mkdirSync(path.dirname(o.file), { recursive: true });
      fs.renameSync(path.join(staging, o.name), o.file);
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true, maxRetries: 3 });
  }
  writeJsonAtomically(mergeRecordFile(out), {
    merged: new Date().toISOString(),
    shards: done.map((s) => ({ index: s.index, events: s.manifest!.events, processed: s.manifest!.processed, failed: s.manifest!.failed })),
    optionsDigest: report.optionsDigest,
    outputs: result.outputs.map(({ name, records, bytes, sha256 }) => ({ name, records, bytes, sha256 })),
  });
  return result;
}
