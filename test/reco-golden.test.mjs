// The reco example end to end, as real processes: `cowloop run` on its options file and the
// embedding host give byte-identical outputs, equal to the committed golden files
// (StateMB = 20, 200 events of a generated 300-event input).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import 'cowloop'; // registers the built-in components, MpEventLoopMgr among them
import { registry } from '../dist/cjs/framework/registry.js';
import { withDir } from './helpers/tmp.mjs';
import { root } from './helpers/root.mjs';

const reco = path.join(root, 'examples', 'reco');
const golden = path.join(root, 'test', 'fixtures', 'io', 'reco');

function node(args, cwd) {
  return spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 120000 });
}

/** Options that keep the job small and every file inside `dir`. */
function smallJob(dir) {
  const input = path.join(dir, 'in.ndjson');
  return [
    ['RecoGeometrySvc.StateMB', '20'],
    ['RecoInputSvc.File', JSON.stringify(input)],
    ['RecoInputSvc.Events', '300'],
    ['EventSelector.Input', JSON.stringify([input])],
  ].flatMap(([k, v]) => ['--set', `${k}=${v}`]);
}

function assertGolden(outDir) {
  for (const [name, file] of [['reco.ndjson', 'golden-reco.ndjson'], ['reco-histos.json', 'golden-histos.json']]) {
    const got = fs.readFileSync(path.join(outDir, name));
    const want = fs.readFileSync(path.join(golden, file));
    assert.ok(got.equals(want), `${name} differs from test/fixtures/io/reco/${file}`);
  }
}

test('cowloop run examples/reco/reco.opts writes the golden outputs', () => {
  withDir((dir) => {
    const out = path.join(dir, 'out');
    const r = node([path.join(root, 'bin', 'cowloop.js'), 'run', path.join(reco, 'reco.opts'), '--events', '200', '--out', out, ...smallJob(dir)], dir);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /not found: generating 300 events/);
    assert.match(r.stdout, /processed 200 events, 0 failed/);
    assertGolden(out);
  });
});

test('the embedding host gives the same bytes as the command line', () => {
  withDir((dir) => {
    const out = path.join(dir, 'out');
    const r = node([path.join(reco, 'host.js'), '--events', '200', '--out', out, ...smallJob(dir)], dir);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /200 events \(0 failed\) with EventLoopMgr/);
    assertGolden(out);
  });
});

test('make-input.js is deterministic and checks its arguments', () => {
  withDir((dir) => {
    const make = path.join(reco, 'make-input.js');
    const a = path.join(dir, 'a.ndjson');
    const b = path.join(dir, 'b.ndjson');
    assert.equal(node([make, '--events', '5', '--out', a], dir).status, 0);
    assert.equal(node([make, '--events', '5', '--out', b], dir).status, 0);
    assert.ok(fs.readFileSync(a).equals(fs.readFileSync(b)));
    const events = fs.readFileSync(a, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(events.length, 5);
    assert.ok(events.every((e) => e.run === 1 && e.hits.length > 0 && e.hits.every((h) => h.length === 4)));
    const other = path.join(dir, 'c.ndjson');
    assert.equal(node([make, '--events', '5', '--seed', '2', '--out', other], dir).status, 0);
    assert.ok(!fs.readFileSync(other).equals(fs.readFileSync(a)), 'another seed, other events');
    const bad = node([make, '--events', 'many'], dir);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--events must be a whole number/);
  });
});

test('reco-mp.opts (2 forked workers) merges to the golden outputs', { skip: !registry.has('MpEventLoopMgr') && 'MpEventLoopMgr is not available' }, () => {
  withDir((dir) => {
    const out = path.join(dir, 'out');
    const r = node([path.join(root, 'bin', 'cowloop.js'), 'run', path.join(reco, 'reco-mp.opts'), '--events', '200', '--out', out, ...smallJob(dir)], dir);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assertGolden(out);
  });
});
