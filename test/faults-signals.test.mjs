// Processes that misbehave and users who interrupt: a hung worker, a worker that leaves
// with code 0 in the middle of its work, the master (or the cowloop command) killed with
// SIGKILL, SIGINT twice, and a standard output whose reader went away (EPIPE).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { alive, childrenOf, waitFor } from './helpers/proc.mjs';
import { runFile } from './helpers/run-dir.mjs';
import { noWorkersLeft, taggedEnv } from './fixtures/faults/helpers.mjs';
import { root, bin } from './helpers/root.mjs';
import { suiteDir } from './helpers/tmp.mjs';

const job = path.join(root, 'test', 'fixtures', 'faults', 'reco-faults.opts');
const EVENTS = 200;
const tmp = suiteDir('cowloop-faults-signals-');
let input;
let serial;

function args(dir, extra = {}) {
  const all = {
    'EventSelector.Input': JSON.stringify([input]),
    'RecoInputSvc.File': JSON.stringify(input),
    'RecoInputSvc.Events': String(EVENTS),
    'FdProbe.Report': JSON.stringify(dir),
    ...extra,
  };
  return ['run', job, '--out', dir, ...Object.entries(all).flatMap(([k, v]) => ['--set', `${k}=${v}`])];
}

function run(name, flags, extra) {
  const dir = path.join(tmp, name);
  const r = spawnSync(process.execPath, [bin, ...args(dir, extra), ...flags], { encoding: 'utf8', timeout: 120000, env: taggedEnv() });
  return { ...r, dir, text: r.stdout + r.stderr, read: (f) => fs.readFileSync(path.join(dir, f), 'utf8') };
}

/** Starts a job in the background; resolves once its workers exist. */
async function start(name, flags, extra) {
  const dir = path.join(tmp, name);
  const child = spawn(process.execPath, [bin, ...args(dir, extra), ...flags], { stdio: ['ignore', 'pipe', 'pipe'], env: taggedEnv() });
  let text = '';
  child.stdout.on('data', (d) => (text += d));
  child.stderr.on('data', (d) => (text += d));
  let ended = false;
  const closed = new Promise((r) => child.once('close', (code, signal) => r({ code, signal })));
  closed.then(() => (ended = true));
  const tree = () => {
    const master = childrenOf(child.pid)[0];
    return { master, workers: master ? childrenOf(master) : [] };
  };
  await waitFor(() => ended || tree().workers.length >= 2, 60000);
  assert.ok(!ended && tree().workers.length >= 2, `the workers never started: ${text}`);
  return { child, dir, closed, tree, text: () => text };
}

before(() => {
  input = path.join(tmp, 'hits.ndjson');
  const gen = spawnSync(process.execPath, [path.join(root, 'examples', 'reco', 'make-input.js'), '--events', String(EVENTS), '--out', input], { encoding: 'utf8' });
  assert.equal(gen.status, 0, gen.stderr);
  serial = run('serial', ['--workers', '0']);
  assert.equal(serial.status, 0, serial.text);
});

after(() => {
  noWorkersLeft();
});

function assertSerialOutputs(r, label) {
  assert.equal(r.status, 0, `${label}: ${r.text}`);
  assert.equal(r.read('reco.ndjson'), serial.read('reco.ndjson'), `${label}: records differ`);
  assert.equal(r.read('reco-histos.json'), serial.read('reco-histos.json'), `${label}: histograms differ`);
}

test('a hung worker is killed by the EventTimeout watchdog and replaced; nothing is lost', () => {
  const r = run('hang-once', ['--workers', '2', '--strategy', 'sharedqueue'], {
    'Misbehave.Event': '77',
    'Misbehave.Mode': '"hang"',
    'Misbehave.Marker': JSON.stringify(path.join(tmp, 'hung-once')),
    'MpEventLoopMgr.EventTimeout': '1',
  });
  assertSerialOutputs(r, 'hang once');
  assert.match(r.text, /worker \d \(pid \d+\) made no progress for 1 s \(event 77\): killing it/);
  assert.match(r.text, /1 restarts/);
});

test('an event that hangs every worker becomes a poison event: reported, skipped, the rest kept', () => {
  const r = run('hang-always', ['--workers', '2', '--strategy', 'roundrobin'], {
    'Misbehave.Event': '31',
    'Misbehave.Mode': '"sleep"',
    'MpEventLoopMgr.EventTimeout': '0.5',
    'MpEventLoopMgr.MaxEventRetries': '2',
  });
  assert.equal(r.status, 4, r.text);
  assert.match(r.text, /event 31 killed 2 workers/);
  const expected = serial.read('reco.ndjson').split('\n').filter((l) => !l.startsWith('{"event":31,')).join('\n');
  assert.equal(r.read('reco.ndjson'), expected);
});

test('a worker that calls process.exit(0) in the middle of its share is treated as a crash and its share redone', () => {
  const r = run('exit0', ['--workers', '2', '--strategy', 'roundrobin'], {
    'Misbehave.Event': '120',
    'Misbehave.Mode': '"exit0"',
    'Misbehave.Marker': JSON.stringify(path.join(tmp, 'exited-once')),
  });
  assertSerialOutputs(r, 'exit 0');
  assert.match(r.text, /worker \d \(pid \d+\) exited with code 0 before returning a result while processing event 120/);
  assert.match(r.text, /1 restarts/);
});

test('the master killed with SIGKILL: its workers are gone within a second', async () => {
  const job = await start('kill-master', ['--workers', '2'], { 'SlowDown.SleepMs': '40' });
  const { master, workers } = job.tree();
  process.kill(master, 'SIGKILL');
  assert.ok(await waitFor(() => workers.every((pid) => !alive(pid)), 1000), `workers ${workers} outlived their master`);
  const { signal } = await job.closed;
  assert.equal(signal, 'SIGKILL', 'the cowloop command reports the death of its master');
  assert.equal(fs.existsSync(path.join(job.dir, 'reco.ndjson')) && fs.statSync(path.join(job.dir, 'reco.ndjson')).size > 0, false, 'nothing merged');
});

test('the cowloop command killed with SIGKILL: the master and its workers do not run on as orphans', async () => {
  const job = await start('kill-launcher', ['--workers', '2'], { 'SlowDown.SleepMs': '40' });
  const { master, workers } = job.tree();
  job.child.kill('SIGKILL');
  await job.closed;
  assert.ok(await waitFor(() => [master, ...workers].every((pid) => !alive(pid)), 5000), `master ${master} / workers ${workers} run on`);
});

test('SIGINT stops and waits for the current events; a second SIGINT kills at once; exit 130, nothing merged', async () => {
  // Worker events hang (a busy loop), so the grace period (60 s) could never end by itself.
  const job = await start('sigint-twice', ['--workers', '2', '--strategy', 'roundrobin'], {
    'SlowDown.SleepMs': '20',
    'Misbehave.Event': '40',
    'Misbehave.Mode': '"hang"',
    'MpEventLoopMgr.StopGrace': '60',
  });
  const { workers } = job.tree();
  // Worker 0 (even events) is stuck once it has finished event 38.
  const order = () => runFile(job.dir, 'worker_0', 'event-order.ndjson');
  const hung = await waitFor(() => fs.existsSync(order()) && fs.readFileSync(order(), 'utf8').includes('"event":38,'), 30000);
  assert.ok(hung, job.text());
  job.child.kill('SIGINT');
  assert.ok(await waitFor(() => /SIGINT: stopping/.test(job.text()), 10000), job.text());
  // Not the echo of the same keypress: wait past the 250 ms window, then insist.
  await new Promise((r) => setTimeout(r, 400));
  assert.ok(workers.some((pid) => alive(pid)), 'a worker is still busy after the first SIGINT');
  job.child.kill('SIGINT');
  const { code } = await job.closed;
  assert.equal(code, 130, job.text());
  assert.match(job.text(), /SIGINT again: killing the workers/);
  assert.match(job.text(), /interrupted: \d+ events were processed; outputs were not merged and are kept under/);
  assert.equal(fs.existsSync(path.join(job.dir, 'reco.ndjson')), false);
  assert.ok(fs.existsSync(runFile(job.dir, 'worker_0')), 'worker outputs kept');
  assert.ok(await waitFor(() => workers.every((pid) => !alive(pid)), 5000), 'workers gone');
});

test('standard output closed by its reader (EPIPE, as with | head -1): the job still finishes and merges', async () => {
  const dir = path.join(tmp, 'epipe');
  const child = spawn(process.execPath, [bin, ...args(dir, { 'EventLoopMgr.PrintFreq': '1', 'SlowDown.SleepMs': '2' }), '--workers', '2'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: taggedEnv(),
  });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  // Read one chunk, then close our end of the pipe: every later write gets EPIPE.
  await new Promise((r) => child.stdout.once('data', r));
  child.stdout.destroy();
  const code = await new Promise((r) => child.once('close', (c) => r(c)));
  assert.equal(code, 0, err);
  assert.equal(fs.readFileSync(path.join(dir, 'reco.ndjson'), 'utf8'), serial.read('reco.ndjson'));
  assert.doesNotMatch(err, /EPIPE/);
});
