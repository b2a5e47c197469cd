// No run destroys data. Every way a run can end early (a missing input, a corrupt record,
// a bad WorkerDir, a throwing algorithm, SIGINT, SIGTERM, SIGKILL of the master or of the
// cowloop command, a worker killed past MaxEventRetries) is driven, serially and with 2
// workers, against an output directory holding a previous run's outputs, an unrelated
// file under workers/ and the kept files of an earlier failed run. Afterwards every file
// that was there is byte-identical, and nothing appeared or vanished outside the run's own
// workers/<run id>/ directory (after a SIGKILL of the master, only its partial files
// .<name>.partial-<pid>, which the next run removes).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { alive, childrenOf, waitFor } from './helpers/proc.mjs';
import { runFile } from './helpers/run-dir.mjs';
import { noWorkersLeft, taggedEnv } from './fixtures/faults/helpers.mjs';
import { root, bin } from './helpers/root.mjs';
import { suiteDir } from './helpers/tmp.mjs';

const job = path.join(root, 'test', 'fixtures', 'faults', 'no-data-loss.opts');
const EVENTS = 200;
const RUN_ID = /^\d{8}T\d{6}\.\d{3}Z-\d+(\.\d+)?$/;
const OUTPUTS = ['reco.ndjson', 'reco-histos.json', 'event-order.ndjson'];
const tmp = suiteDir('cowloop-no-data-loss-');
let input;
let corrupt;
/** The previous run's output directory, copied for each case. */
let previous;

function sets(extra) {
  const all = {
    'EventSelector.Input': JSON.stringify([input]),
    'RecoInputSvc.File': JSON.stringify(input),
    'RecoInputSvc.Events': String(EVENTS),
    ...extra,
  };
  return Object.entries(all).flatMap(([k, v]) => ['--set', `${k}=${v}`]);
}

/** Starts `cowloop run` into `out`; `text()` is everything it printed so far. */
function start(out, workers, extra = {}) {
  const child = spawn(process.execPath, [bin, 'run', job, '--out', out, '--workers', String(workers), '--progress', 'none', ...sets(extra)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: taggedEnv(),
  });
  let text = '';
  child.stdout.on('data', (d) => (text += d));
  child.stderr.on('data', (d) => (text += d));
  let ended = false;
  const closed = new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  closed.then(() => (ended = true));
  return { child, closed, text: () => text, ended: () => ended, master: () => childrenOf(child.pid)[0] };
}

/** Every file and directory under `dir` (relative paths): files with their sha256. */
function snapshot(dir) {
  const files = new Map();
  const dirs = new Set();
  for (const rel of fs.readdirSync(dir, { recursive: true }).map(String)) {
    const full = path.join(dir, rel);
    const st = fs.lstatSync(full);
    if (st.isDirectory()) dirs.add(rel);
    else files.set(rel, crypto.createHash('sha256').update(fs.readFileSync(full)).digest('hex'));
  }
  return { files, dirs };
}

/** A fresh copy of the previous run's outputs for one case. */
function prepare(name) {
  const out = path.join(tmp, 'cases', name, 'out');
  fs.cpSync(previous, out, { recursive: true });
  return { out, before: snapshot(out) };
}

/**
 * Every file present before is byte-identical; what is new lies in this run's own
 * workers/<run id>/, or (with `partialsOf`, the pid of a master killed by SIGKILL) is one
 * of that process's partial files.
 */
function assertUntouched(c, label, partialsOf) {
  const now = snapshot(c.out);
  for (const [rel, sha] of c.before.files) {
    assert.ok(now.files.has(rel), `${label}: ${rel} vanished`);
    assert.equal(now.files.get(rel), sha, `${label}: ${rel} changed`);
  }
  for (const rel of c.before.dirs) assert.ok(now.dirs.has(rel), `${label}: directory ${rel} vanished`);
  const ownRun = (rel) => {
    const [top, id] = rel.split(path.sep);
    return top === 'workers' && id !== undefined && RUN_ID.test(id) && !c.before.dirs.has(path.join('workers', id));
  };
  const partial = new RegExp(`^\\.(${OUTPUTS.map((o) => o.replace(/\./g, '\\.')).join('|')})\\.partial-${partialsOf}(\\.\\d+)?$`);
  for (const rel of now.files.keys()) {
    if (c.before.files.has(rel) || ownRun(rel)) continue;
    assert.ok(partialsOf !== undefined && partial.test(rel), `${label}: ${rel} appeared`);
  }
  for (const rel of now.dirs) assert.ok(c.before.dirs.has(rel) || ownRun(rel), `${label}: directory ${rel} appeared`);
}

before(() => {
  input = path.join(tmp, 'hits.ndjson');
  const gen = spawnSync(process.execPath, [path.join(root, 'examples', 'reco', 'make-input.js'), '--events', String(EVENTS), '--out', input], { encoding: 'utf8' });
  assert.equal(gen.status, 0, gen.stderr);
  // The same input with event 120's line cut short.
  corrupt = path.join(tmp, 'corrupt.ndjson');
  const lines = fs.readFileSync(input, 'utf8').split('\n');
  lines[120] = lines[120].slice(0, 20);
  fs.writeFileSync(corrupt, lines.join('\n'));
  // The previous run: a complete multi-process run, plus what else lives in such a directory.
  previous = path.join(tmp, 'previous');
  const r = spawnSync(process.execPath, [bin, 'run', job, '--out', previous, '--workers', '2', '--progress', 'none', ...sets()], {
    encoding: 'utf8',
    timeout: 60000,
    env: taggedEnv(),
  });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  for (const f of OUTPUTS) assert.ok(fs.statSync(path.join(previous, f)).size > 0, `${f} written`);
  fs.mkdirSync(path.join(previous, 'workers', '20200101T000000.000Z-1', 'worker_0'), { recursive: true });
  fs.writeFileSync(path.join(previous, 'workers', '20200101T000000.000Z-1', 'worker_0', 'reco.ndjson'), '{"event":3}\n');
  fs.writeFileSync(path.join(previous, 'workers', 'important.txt'), 'not the run\'s to delete\n');
  fs.writeFileSync(path.join(previous, 'notes.txt'), 'mine\n');
  fs.writeFileSync(path.join(previous, 'blocked'), 'a file where a WorkerDir would go\n');
});

after(() => {
  noWorkersLeft();
});

/** Failures found by the job itself: each must leave the directory as it was. */
const failures = {
  'missing input': { workers: [0, 2], set: () => ({ 'EventSelector.Input': JSON.stringify([path.join(tmp, 'missing.ndjson')]) }), expect: /cannot open input .*missing\.ndjson/ },
  'corrupt input record': { workers: [0, 2], set: () => ({ 'EventSelector.Input': JSON.stringify([corrupt]) }), expect: /corrupt\.ndjson:121: record 120 is not valid JSON/ },
  'throwing algorithm (OnError = "abort")': { workers: [0, 2], set: () => ({ 'FailOn.Events': '[150]' }), expect: /event 150 failed in FailOn/ },
  'WorkerDir outside OutputDir': { workers: [2], set: () => ({ 'MpEventLoopMgr.WorkerDir': '"../outside"' }), expect: /WorkerDir must name a directory inside/ },
  'WorkerDir that cannot be created': { workers: [2], set: () => ({ 'MpEventLoopMgr.WorkerDir': '"blocked/runs"' }), expect: /cannot create this run's directory under MpEventLoopMgr\.WorkerDir/ },
  'a worker killed past MaxEventRetries (OnPoisonEvent = "fail")': {
    workers: [2],
    set: () => ({ 'KillOnEvent.Event': '90', 'KillOnEvent.Mode': '"always"', 'MpEventLoopMgr.OnPoisonEvent': '"fail"' }),
    expect: /event 90 killed 2 workers/,
  },
};

for (const [name, f] of Object.entries(failures)) {
  test(`${name}: the previous outputs stay byte for byte`, async () => {
    for (const workers of f.workers) {
      const label = `${name}, ${workers} workers`;
      const c = prepare(`${name.replace(/\W+/g, '-')}-${workers}`);
      const run = start(c.out, workers, f.set());
      const { code } = await run.closed;
      assert.ok(code !== 0 && code !== null, `${label}: exit ${code}\n${run.text()}`);
      assert.match(run.text(), f.expect, label);
      assertUntouched(c, label);
      assert.equal(fs.existsSync(path.join(path.dirname(c.out), 'outside')), false, `${label}: nothing outside OutputDir`);
    }
  });
}

/** Waits until the run is in the middle of its events: a progress line (serial) or a worker's records (2 workers). */
async function inTheMiddle(run, out, workers) {
  const going = workers === 0
    ? () => /processed 20 events/.test(run.text())
    : () => {
      const order = runFile(out, 'worker_0', 'event-order.ndjson');
      return fs.existsSync(order) && fs.readFileSync(order, 'utf8').split('\n').length > 3;
    };
  const ok = await waitFor(() => run.ended() || going(), 60000);
  assert.ok(ok && !run.ended(), `the run never got going: ${run.text()}`);
}

const pace = { 'SlowDown.SleepMs': '20', 'EventLoopMgr.PrintFreq': '10' };

for (const signal of ['SIGINT', 'SIGTERM']) {
  test(`${signal} in the middle of a run: exit 130, the previous outputs stay byte for byte`, async () => {
    for (const workers of [0, 2]) {
      const label = `${signal}, ${workers} workers`;
      const c = prepare(`${signal}-${workers}`);
      const run = start(c.out, workers, pace);
      await inTheMiddle(run, c.out, workers);
      run.child.kill(signal);
      const { code } = await run.closed;
      assert.equal(code, 130, `${label}: ${run.text()}`);
      assertUntouched(c, label);
      if (workers > 0) assert.ok(fs.existsSync(runFile(c.out, 'worker_0', 'reco.ndjson')), `${label}: the workers' files are kept in the run's directory`);
    }
  });
}

test('SIGKILL of the master, then of the cowloop command: the previous outputs stay; the next run removes the dead master\'s partial files', async () => {
  for (const target of ['master', 'command']) {
    for (const workers of [0, 2]) {
      const label = `SIGKILL of the ${target}, ${workers} workers`;
      const c = prepare(`kill-${target}-${workers}`);
      const run = start(c.out, workers, pace);
      await inTheMiddle(run, c.out, workers);
      const master = run.master();
      const tree = [master, ...childrenOf(master)];
      process.kill(target === 'master' ? master : run.child.pid, 'SIGKILL');
      await run.closed;
      // The master follows its command within 200 ms; its workers follow it at once.
      assert.ok(await waitFor(() => tree.every((pid) => !alive(pid)), 10000), `${label}: processes ${tree} run on`);
      assertUntouched(c, label, master);
      const partials = fs.readdirSync(c.out).filter((n) => n.includes('.partial-'));
      assert.ok(partials.length > 0, `${label}: the master was writing its records under a partial name`);

      // The next run into the same directory completes and removes them; nothing else goes.
      const next = start(c.out, 0);
      const { code } = await next.closed;
      assert.equal(code, 0, `${label}, next run: ${next.text()}`);
      assert.deepEqual(fs.readdirSync(c.out).filter((n) => n.includes('.partial-')), [], `${label}: stale partial files removed`);
      for (const keep of ['notes.txt', 'blocked', path.join('workers', 'important.txt'), path.join('workers', '20200101T000000.000Z-1', 'worker_0', 'reco.ndjson')]) {
        assert.equal(fs.readFileSync(path.join(c.out, keep), 'utf8'), fs.readFileSync(path.join(previous, keep), 'utf8'), `${label}: ${keep}`);
      }
    }
  }
});

test('a run that completes replaces the outputs whole and removes only its own worker directory', async () => {
  const c = prepare('complete');
  const run = start(c.out, 2);
  const { code } = await run.closed;
  assert.equal(code, 0, run.text());
  const now = snapshot(c.out);
  assert.deepEqual([...now.files.keys()].sort(), [...c.before.files.keys()].sort(), 'the same files, no more, no fewer');
  assert.deepEqual([...now.dirs].sort(), [...c.before.dirs].sort(), 'the same directories');
  for (const f of ['reco.ndjson', 'reco-histos.json']) assert.equal(now.files.get(f), c.before.files.get(f), `${f} equals the previous run's (same job, same input)`);
});
