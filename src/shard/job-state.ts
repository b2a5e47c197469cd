// What a sharded job's directory says about its shards: which are whole, which failed,
// which are missing, and which do not belong with the others (another options digest,
// another shard count, event ranges that overlap or leave a gap, damaged outputs).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileDigest } from './digest.js';
import { hostName, MANIFEST, shardDir, shardsDir } from './layout.js';
import { pidAlive } from './pid.js';
import { MANIFEST_FORMAT, readJson, type ShardAttempt, type ShardManifest } from './manifest.js';

export type ShardState = 'done' | 'failed' | 'running' | 'missing' | 'mismatched';

export interface ShardReport {
  index: number;
  state: ShardState;
  /** Why a shard is failed or mismatched, in words. */
  reasons: string[];
  manifest?: ShardManifest;
  attempt?: ShardAttempt;
  /** Where its outputs are: <out>/shards/<i>/, or <out>/ranges/<first>-<last>/ for a queued job's range. */
  dir: string;
}

export interface JobReport {
  out: string;
  /** The shard count the job was split into (undefined: nothing tells). */
  count: number | undefined;
  optionsDigest: string | undefined;
  shards: ShardReport[];
  /** Problems that concern no single shard (shards of different jobs with no majority...). */
  problems: string[];
}

export interface Expectation {
  /** Shard count and options digest recorded at submission, when the job was submitted. */
  count?: number;
  optionsDigest?: string;
}

/**
 * Reads every manifest and attempt under <out>/shards/. With `verify`, each output's size
 * and sha256 are checked against the manifest (the merge does; the status need not).
 */
export function readJob(out: string, expect: Expectation = {}, verify = false): JobReport {
  const dir = shardsDir(out);
  const manifests = new Map<number, ShardManifest>();
  const unreadable = new Map<number, string>();
  const attempts = new Map<number, ShardAttempt>();
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  // A queued job's ranges (<out>/ranges/<first>-<last>/) are shards numbered by their manifest.
  const dirs = new Map<number, string>();
  for (const name of listDir(path.join(out, 'ranges'))) {
    if (!/^\d+-\d+$/.test(name)) continue;
    try {
      const m = readJson<ShardManifest>(path.join(out, 'ranges', name, MANIFEST));
      if (m?.format === MANIFEST_FORMAT) {
        manifests.set(m.shard.index, m);
        dirs.set(m.shard.index, path.join(out, 'ranges', name));
      }
    } catch {
      /* a range directory is renamed into place with its manifest: an unreadable one was damaged by hand */
    }
  }
  for (const name of names) {
    if (/^\d+$/.test(name)) {
      const index = Number(name);
      try {
        const m = readJson<ShardManifest>(path.join(dir, name, MANIFEST));
        if (!m) unreadable.set(index, `${path.join(dir, name)} has no ${MANIFEST}`);
        else if (m.format !== MANIFEST_FORMAT) unreadable.set(index, `${path.join(dir, name, MANIFEST)} is not a cowloop shard manifest (format ${JSON.stringify(m.format)})`);
        else manifests.set(index, m);
      } catch (error) {
        unreadable.set(index, (error as Error).message);
      }
    } else {
      const a = /^(\d+)\.attempt\.json$/.exec(name);
      if (!a) continue;
      try {
        const attempt = readJson<ShardAttempt>(path.join(dir, name));
        if (attempt) attempts.set(Number(a[1]), attempt);
      } catch {
        /* an unreadable attempt says nothing: the manifest is what counts */
      }
    }
  }

  const problems: string[] = [];
  const count = expect.count ?? majority([...manifests.values()].map((m) => m.shard.count));
  const digest = expect.optionsDigest ?? majority([...manifests.values()].map((m) => m.job.optionsDigest));
  const jobRange = majority([...manifests.values()].filter((m) => m.job.optionsDigest === digest).map((m) => `${m.job.first}-${m.job.end}`));
  if (count === undefined && manifests.size === 0 && unreadable.size === 0) problems.push(`no shards under ${dir}`);

  const indices = new Set<number>([...manifests.keys(), ...unreadable.keys(), ...attempts.keys()]);
  for (let i = 0; i < (count ?? 0); i++) indices.add(i);
  const shards: ShardReport[] = [];
  for (const index of [...indices].sort((a, b) => a - b)) {
    const manifest = manifests.get(index);
    const attempt = attempts.get(index);
    const reasons: string[] = [];
    let state: ShardState;
    if (unreadable.has(index)) {
      state = 'mismatched';
      reasons.push(unreadable.get(index)!);
    } else if (manifest) {
      state = 'done';
      if (count !== undefined && manifest.shard.count !== count) reasons.push(`it was run as shard ${manifest.shard.index}/${manifest.shard.count}, the job has ${count} shards`);
      if (count !== undefined && index >= count) reasons.push(`the job has shards 0 to ${count - 1} only`);
      if (manifest.shard.index !== index) reasons.push(`its manifest says shard ${manifest.shard.index}`);
      if (digest !== undefined && manifest.job.optionsDigest !== digest) {
        reasons.push(`its options differ (options digest ${short(manifest.job.optionsDigest)}, the job's is ${short(digest)}; from ${manifest.job.optionsFile})`);
      } else if (jobRange !== undefined && `${manifest.job.first}-${manifest.job.end}` !== jobRange) {
        reasons.push(`it split the events [${manifest.job.first}, ${manifest.job.end}), the other shards [${jobRange.replace('-', ', ')})`);
      }
      if (verify) reasons.push(...damagedOutputs(dirs.get(index) ?? shardDir(out, index), manifest));
      if (reasons.length) state = 'mismatched';
    } else if (attempt?.status === 'failed') {
      state = 'failed';
      reasons.push(`its last attempt failed${attempt.exit ? ` (exit ${attempt.exit.code}, ${attempt.exit.status})` : ''}${attempt.error ? `: ${attempt.error}` : ''}`);
    } else if (attempt?.status === 'running' && attempt.host === hostName() && !pidAlive(attempt.pid)) {
      state = 'failed';
      reasons.push(`its process (pid ${attempt.pid} on ${attempt.host}, started ${attempt.start}) ended without finishing it (killed?)`);
    } else if (attempt?.status === 'running') {
      state = 'running';
      reasons.push(`an attempt started ${attempt.start} on ${attempt.host} (pid ${attempt.pid}) has not finished`);
    } else {
      state = 'missing';
    }
    shards.push({ index, state, reasons, dir: dirs.get(index) ?? shardDir(out, index), ...(manifest ? { manifest } : {}), ...(attempt ? { attempt } : {}) });
  }
  problems.push(...rangeProblems(shards.filter((s) => s.state === 'done')));
  return { out, count, optionsDigest: digest, shards, problems };
}

/** Gaps and overlaps between the event ranges of the whole shards, in shard order. */
function rangeProblems(done: ShardReport[]): string[] {
  const out: string[] = [];
  for (let k = 1; k < done.length; k++) {
    const a = done[k - 1]!;
    const b = done[k]!;
    if (b.index !== a.index + 1) continue; // a missing shard between them is reported as missing
    const ea = a.manifest!.events;
    const eb = b.manifest!.events;
    if (eb.first < ea.end) out.push(`shards ${a.index} and ${b.index} overlap: events [${ea.first}, ${ea.end}) and [${eb.first}, ${eb.end})`);
    else if (eb.first > ea.end) out.push(`events [${ea.end}, ${eb.first}) are in no shard (between shards ${a.index} and ${b.index})`);
  }
  return out;
}

function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return [];
  }
}

function damagedOutputs(dir: string, manifest: ShardManifest): string[] {
  const reasons: string[] = [];
  for (const o of manifest.outputs) {
    const file = path.join(dir, o.name);
    let d: { bytes: number; sha256: string };
    try {
      d = fileDigest(file);
    } catch (error) {
      reasons.push(`its output ${o.name} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      continue;
    }
    if (d.bytes !== o.bytes || d.sha256 !== o.sha256) reasons.push(`its output ${o.name} changed since the shard wrote it (${d.bytes} bytes, the manifest says ${o.bytes})`);
  }
  return reasons;
}

function majority<T>(values: T[]): T | undefined {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: T | undefined;
  let n = 0;
  for (const [v, c] of counts) {
    if (c > n) {
      best = v;
      n = c;
    }
  }
  return best;
}

function short(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}

