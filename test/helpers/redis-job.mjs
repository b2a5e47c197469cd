// A job queued in Redis, for the slow tests of the event service: its submission, its nodes
// and its status, each through the cowloop command as a real process.
import assert from 'node:assert/strict';
import { bin } from './root.mjs';
import { cowloop } from './shard-job.mjs';
import { spawnCollecting } from './spawn-collecting.mjs';

/** Polls `predicate` every 50 ms until it gives a truthy value; fails naming `what` after `limitMs`. */
export async function until(what, predicate, limitMs = 60000) {
  const end = Date.now() + limitMs;
  for (;;) {
    const value = predicate();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A `cowloop work` node of `workers` workers as a real process, its output collected (`stderr`: so far). */
export function workNode(dir, opts, url, out, set, extra = [], workers = 2) {
  const n = { stderr: '' };
  const argv = [bin, 'work', opts, '--redis', url, '--out', out, '--workers', String(workers), ...extra, ...set];
  return Object.assign(n, spawnCollecting(argv, { cwd: dir, timeout: 120000, onStderr: (text) => (n.stderr = text) }));
}

/** `cowloop submit redis` of the job, in ranges of `rangeSize` events. */
export function submitRedis(dir, opts, url, out, set, rangeSize = 10) {
  const r = cowloop(['submit', 'redis', opts, '--redis', url, '--range-size', String(rangeSize), '--out', out, ...set], dir);
  assert.equal(r.status, 0, r.stderr);
  return r;
}

/** `cowloop status <out> --redis URL`: the parsed --json report, or with `json` false the text. */
export function redisStatus(dir, out, url, json = true) {
  const r = cowloop(['status', out, '--redis', url, ...(json ? ['--json'] : [])], dir);
  assert.equal(r.status, 0, r.stderr);
  return json ? JSON.parse(r.stdout) : r.stdout;
}
