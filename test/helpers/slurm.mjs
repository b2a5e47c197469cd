// A real single-node Slurm for the tests: the one already configured (SLURM_CONF that
// answers), else one started with slurm-local.sh from the shared tools beside the
// repository (COWLOOP_SLURM_LOCAL overrides its path) and stopped after the file's tests.
// Where neither works (no script, not root, no apt) the tests skip and say why;
// COWLOOP_NO_SLURM=<reason> skips them outright.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after } from 'node:test';
import { root } from './root.mjs';

export function slurmLocalScript() {
  return process.env.COWLOOP_SLURM_LOCAL ?? path.join(root, '..', 'shared', 'tools', 'slurm-local.sh');
}

function answers(env) {
  return spawnSync('sinfo', ['-h', '-o', '%T'], { env, encoding: 'utf8', timeout: 20000 }).status === 0;
}

/** `{ env }` with SLURM_CONF set, or `{ skip: reason }`. */
export function useSlurm() {
  // Set by .ci/run when it could not start a cluster: no second attempt here.
  if (process.env.COWLOOP_NO_SLURM) return { skip: `no Slurm: ${process.env.COWLOOP_NO_SLURM}` };
  if (process.env.SLURM_CONF && answers(process.env)) return { env: { ...process.env } };
  const script = slurmLocalScript();
  if (!fs.existsSync(script)) return { skip: `no Slurm: ${script} does not exist (set COWLOOP_SLURM_LOCAL to slurm-local.sh, or SLURM_CONF to a running cluster)` };
  if (process.getuid?.() !== 0) return { skip: 'no Slurm: slurm-local.sh must run as root (it installs Debian packages and runs the daemons as root)' };
  const r = spawnSync('bash', [script, 'start'], { encoding: 'utf8', timeout: 600000 });
  if (r.status !== 0) return { skip: `no Slurm: slurm-local.sh start failed: ${r.stderr.trim().split('\n').slice(-3).join(' / ')}` };
  const env = { ...process.env };
  for (const m of r.stdout.matchAll(/^export (\w+)=(.*)$/gm)) env[m[1]] = m[2];
  if (!env.SLURM_CONF || !answers(env)) return { skip: 'no Slurm: slurm-local.sh started but sinfo does not answer' };
  after(() => spawnSync('bash', [script, 'stop'], { encoding: 'utf8', timeout: 120000 }));
  return { env };
}

/** One line of `scontrol -o show job ID` per task, as { JobState, Reason, ArrayTaskId, ... }. */
export function jobLines(id, env) {
  const r = spawnSync('scontrol', ['-o', 'show', 'job', String(id)], { env, encoding: 'utf8', timeout: 20000 });
  if (r.status !== 0) return [];
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => Object.fromEntries([...line.matchAll(/(?:^| )(\w+)=(\S*)/g)].map((m) => [m[1], m[2]])));
}

export function jobState(id, env) {
  return jobLines(id, env)[0]?.JobState;
}

/** Polls `check` every 150 ms until it returns something truthy; throws after `timeoutMs` with `what`. */
export async function waitFor(what, check, timeoutMs = 300000) {
  const t0 = Date.now();
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

/** Cancels the jobs a test submitted, whatever state they are in. */
export function cancelJobs(ids, env) {
  const list = ids.filter(Boolean).map(String);
  if (list.length) spawnSync('scancel', list, { env, timeout: 20000 });
}

export function sbatch(args, env) {
  return execFileSync('sbatch', ['--parsable', ...args], { env, encoding: 'utf8' }).trim().split(';')[0];
}
