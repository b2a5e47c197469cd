// The reco example as a small sharded job: its input made once (and optionally split into
// several files), the --set flags that keep every file inside the test's directory, and
// the cowloop command as a real process.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { bin, root } from './root.mjs';

export const recoOpts = path.join(root, 'examples', 'reco', 'reco.opts');

export function cowloop(args, cwd, env = process.env) {
  return spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', timeout: 120000, env });
}

/**
 * Writes the reco input (`events` events) in `dir`, split into `files` files, and returns
 * the --set flags that run the example small on it (RecoGeometrySvc.StateMB = 10).
 */
export function recoJob(dir, { events = 300, files = 1 } = {}) {
  const whole = path.join(dir, 'hits.ndjson');
  const r = spawnSync(process.execPath, [path.join(root, 'examples', 'reco', 'make-input.js'), '--events', String(events), '--out', whole], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`make-input.js failed: ${r.stderr}`);
  let inputs = [whole];
  if (files > 1) {
    const lines = fs.readFileSync(whole, 'utf8').split('\n').filter(Boolean);
    inputs = [];
    for (let f = 0; f < files; f++) {
      const part = path.join(dir, `hits-${f}.ndjson`);
      const from = Math.floor((lines.length * f) / files);
      const to = Math.floor((lines.length * (f + 1)) / files);
      fs.writeFileSync(part, lines.slice(from, to).map((l) => `${l}\n`).join(''));
      inputs.push(part);
    }
  }
  return [
    ['RecoGeometrySvc.StateMB', '10'],
    ['RecoInputSvc.File', JSON.stringify(whole)],
    ['RecoInputSvc.Events', String(events)],
    ['EventSelector.Input', JSON.stringify(inputs)],
  ].flatMap(([k, v]) => ['--set', `${k}=${v}`]);
}

export const OUTPUTS = ['reco.ndjson', 'reco-histos.json'];

/** Fails unless every output under `got` has the bytes of the one under `want`. */
export function sameOutputs(assert, got, want) {
  for (const name of OUTPUTS) {
    const a = fs.readFileSync(path.join(got, name));
    const b = fs.readFileSync(path.join(want, name));
    assert.ok(a.equals(b), `${path.join(got, name)} differs from ${path.join(want, name)}`);
  }
}

/** The reco options with a Gate holding `event` until `dir/go` exists (it writes `dir/reached` when the event arrives). */
export function gatedOpts(dir, event) {
  const file = path.join(dir, 'gated.opts');
  fs.writeFileSync(
    file,
    [
      `#include "${recoOpts}"`,
      // Modules resolve beside the top options file: name the example's by its full path.
      `ApplicationMgr.Modules = { "${path.join(root, 'examples', 'reco', 'components.js')}", "${path.join(root, 'test', 'fixtures', 'shard', 'gate.mjs')}" };`,
      'ApplicationMgr.TopAlg += { "Gate" };',
      `Gate.Event = ${event};`,
      `Gate.Open = "${path.join(dir, 'go')}";`,
      `Gate.Reached = "${path.join(dir, 'reached')}";`,
      '',
    ].join('\n'),
  );
  return file;
}
