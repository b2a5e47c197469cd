// The multi-process loop through the cowloop command: every strategy and worker count gives
// the serial run's outputs byte for byte; crashes, poison events and SIGINT are handled.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { alive, childrenOf, waitFor } from './helpers/proc.mjs';
import { runFile } from './helpers/run-dir.mjs';
import { root, bin } from './helpers/root.mjs';
import { suiteDir } from './helpers/tmp.mjs';

const job = path.join(root, 'test', 'fixtures', 'evtloop', 'job.opts');
const tmp = suiteDir('cowloop-mp-');
let inputs;
let serial;

function sets(dir, extra = {}) {
  const all = {
    'EventSelector.Input': JSON.stringify(inputs),
    'RecoInputSvc.File': JSON.stringify(path.join(tmp, 'all.ndjson')),
    'RecoInputSvc.Events': '300',
    'FdProbe.Input': JSON.stringify(inputs[0]),
    'FdProbe.Report': JSON.stringify(dir),
    ...extra,
  };
  return Object.entries(all).flatMap(([k, v]) => ['--set', `${k}=${v}`]);
}

function run(name, args, extra) {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  const r = spawnSync(process.execPath, [bin, 'run', job, '--out', dir, ...sets(dir, extra), ...args], { encoding: 'utf8', timeout: 120000 });
  return { ...r, dir, read: (f) => fs.readFileSync(path.join(dir, f), 'utf8') };
}

before(() => {
  // 300 generated events split over three input files (the "files" strategy needs several).
  const gen = spawnSync(process.execPath, [path.join(root, 'examples', 'reco', 'make-input.js'), '--events', '300', '--out', path.join(tmp, 'all.ndjson')], { encoding: 'utf8' });
  assert.equal(gen.status, 0, gen.stderr);
  const lines = fs.readFileSync(path.join(tmp, 'all.ndjson'), 'utf8').trimEnd().split('\n');
  inputs = [0, 1, 2].map((i) => {
    const f = path.join(tmp, `in${i}.ndjson`);
    fs.writeFileSync(f, lines.slice(i * 100, i * 100 + 100).join('\n') + '\n');
    return f;
  });
  serial = run('serial', ['--workers', '0']);
  assert.equal(serial.status, 0, serial.stderr + serial.stdout);
  assert.equal(serial.read('reco.ndjson').trimEnd().split('\n').length, 300);
});

function assertSameAsSerial(r, label) {
  assert.equal(r.status, 0, `${label}: ${r.stderr}${r.stdout}`);
  assert.equal(r.read('reco.ndjson'), serial.read('reco.ndjson'), `${label}: records differ`);
  assert.equal(r.read('reco-histos.json'), serial.read('reco-histos.json'), `${label}: histograms differ`);
  const order = r.read('event-order.ndjson').trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(order.map((o) => o.event), Array.from({ length: 300 }, (_, i) => i), `${label}: event order`);
  assert.equal(fs.existsSync(path.join(r.dir, 'workers')), false, `${label}: worker outputs left behind`);
  return order;
}

for (const strategy of ['roundrobin', 'sharedqueue', 'ranges', 'files']) {
  test(`${strategy}: 1, 2 and 4 workers give the serial outputs byte for byte`, () => {
    for (const n of [1, 2, 4]) {
      const r = run(`${strategy}-${n}`, ['--workers', String(n), '--strategy', strategy]);
      const order = assertSameAsSerial(r, `${strategy} x ${n}`);
      // The workers' events (the master runs the first few itself, ForkAfterEvents = "auto").
      const used = new Set(order.map((o) => o.worker).filter((w) => w >= 0));
      if (strategy === 'roundrobin') assert.equal(used.size, n);
      if (strategy === 'files') assert.deepEqual([...used].sort(), [0, 1, 2].map((f) => f % n).filter((v, i, a) => a.indexOf(v) === i).sort());
      assert.match(r.stdout, new RegExp(`${n} workers, strategy ${strategy}`));
    }
  });
}

test('ForkAfterEvents: the master runs the first events itself, each exactly once', () => {
  const r = run('fork-after', ['--workers', '2', '--fork-after', '50']);
  const order = assertSameAsSerial(r, 'fork-after 50');
  assert.deepEqual(order.slice(0, 50).map((o) => o.worker), Array(50).fill(-1));
  assert.ok(order.slice(50).every((o) => o.worker >= 0));
});

test('ForkAfterEvents = "auto" (the default): the master runs the first events until its code stops growing, at most 5 % of them; 0: none', () => {
  const auto = run('fork-after-auto', ['--workers', '2', '--json']);
  const order = assertSameAsSerial(auto, 'fork-after auto');
  const k = JSON.parse(auto.stdout).multiProcess.masterEvents;
  assert.ok(k >= 1 && k <= 15, `the master ran ${k} events (300 events: at most 15)`);
  assert.deepEqual(order.slice(0, k).map((o) => o.worker), Array(k).fill(-1));
  assert.ok(order.slice(k).every((o) => o.worker >= 0));
  const none = run('fork-after-0', ['--workers', '2', '--fork-after', '0', '--json']);
  assertSameAsSerial(none, 'fork-after 0');
  assert.equal(JSON.parse(none.stdout).multiProcess.masterEvents, 0);
  const bad = run('fork-after-bad', ['--workers', '2', '--fork-after', 'soon']);
  assert.equal(bad.status, 2, bad.stderr);
  assert.match(bad.stderr, /--fork-after must be "auto" or an integer >= 0 \(got "soon"\)/);
});

test('a worker killed by SIGKILL mid-run is replaced and the output is still the serial one', () => {
  const marker = path.join(tmp, 'killed-once');
  const r = run('crash', ['--workers', '2', '--strategy', 'sharedqueue'], {
    'KillOnEvent.Event': '137',
    'KillOnEvent.Marker': JSON.stringify(marker),
  });
  assertSameAsSerial(r, 'crash');
  assert.ok(fs.existsSync(marker), 'the kill happened');
  assert.match(r.stdout, /worker \d \(pid \d+\) was killed by SIGKILL .*while processing event 137/);
  assert.match(r.stdout, /1 restarts/);
});

test('a poison event that kills every worker is reported by number and skipped', () => {
  const r = run('poison', ['--workers', '2', '--strategy', 'roundrobin'], {
    'KillOnEvent.Event': '42',
    'KillOnEvent.Mode': '"always"',
    'MpEventLoopMgr.MaxEventRetries': '2',
  });
  assert.equal(r.status, 4, r.stderr + r.stdout);
  assert.match(r.stdout, /event 42 killed 2 workers/);
  const expected = serial.read('reco.ndjson').split('\n').filter((l) => !l.startsWith('{"event":42,')).join('\n');
  assert.equal(r.read('reco.ndjson'), expected);
});

test('inside a worker, the input is read through a descriptor it opened, not the inherited one', () => {
  const r = run('fdprobe', ['--workers', '2', '--strategy', 'roundrobin']);
  assertSameAsSerial(r, 'fdprobe');
  const reports = fs.readdirSync(r.dir).filter((f) => f.startsWith('fdprobe-')).map((f) => JSON.parse(r.read(f)));
  assert.equal(reports.length, 2);
  for (const rep of reports) {
    assert.ok(rep.workerFds.length >= 1, `worker ${rep.pid} has the input open`);
    for (const fd of rep.workerFds) assert.ok(!rep.masterFds.includes(fd), `worker ${rep.pid} reads inherited fd ${fd}`);
  }
});

test('SIGINT stops the job: non-zero exit, nothing merged, worker outputs kept, no process left', async () => {
  const dir = path.join(tmp, 'sigint');
  fs.mkdirSync(dir);
  const child = spawn(process.execPath, [bin, 'run', job, '--out', dir, '--workers', '2', ...sets(dir, { 'SlowDown.SleepMs': '40' })], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const closed = new Promise((r) => child.once('close', (code, signal) => r({ code, signal })));
  const orderFile = () => runFile(dir, 'worker_0', 'event-order.ndjson');
  const started = await waitFor(() => fs.existsSync(orderFile()) && fs.readFileSync(orderFile(), 'utf8').split('\n').length > 3, 60000);
  assert.ok(started, `the workers never started: ${out}`);
  const inner = childrenOf(child.pid);
  const workers = inner.flatMap((pid) => childrenOf(pid));
  assert.equal(workers.length, 2, `two workers under the master: ${out}`);
  child.kill('SIGINT');
  const { code } = await closed;
  assert.equal(code, 130, out);
  assert.match(out, /interrupted: \d+ events were processed/);
  assert.equal(fs.existsSync(path.join(dir, 'reco.ndjson')), false, 'no merged output');
  assert.ok(fs.existsSync(runFile(dir, 'worker_0', 'reco.ndjson')), 'worker outputs kept');
  assert.ok(await waitFor(() => workers.every((pid) => !alive(pid)), 10000), 'workers gone');
});

test('recycled workers (RecycleAfterEvents) leave and are replaced, and no event is lost or repeated', () => {
  for (const strategy of ['roundrobin', 'sharedqueue', 'ranges', 'files']) {
    const r = run(`recycle-${strategy}`, ['--workers', '2', '--strategy', strategy], { 'MpEventLoopMgr.RecycleAfterEvents': '45' });
    const order = assertSameAsSerial(r, `recycle ${strategy}`);
    const pids = new Set(order.map((o) => o.pid));
    assert.ok(pids.size > 2, `${strategy}: events ran in ${pids.size} processes`);
    const recycles = Number(/(\d+) recycles/.exec(r.stdout)?.[1]);
    assert.ok(recycles >= 2, `${strategy}: ${recycles} recycles`);
  }
});

test('a crash after a recycle only redoes the crashed generation', () => {
  const marker = path.join(tmp, 'killed-after-recycle');
  const r = run('recycle-crash', ['--workers', '2', '--strategy', 'roundrobin'], {
    'MpEventLoopMgr.RecycleAfterEvents': '30',
    'KillOnEvent.Event': '201',
    'KillOnEvent.Marker': JSON.stringify(marker),
  });
  assertSameAsSerial(r, 'recycle + crash');
  assert.match(r.stdout, /1 restarts/);
});

test('a worker whose private memory passes RecycleAboveMB is recycled', () => {
  // Each event keeps 100 KB in the worker: past 256 events (where it looks) it has grown
  // ~25 MB over a fresh fork (about 11 MiB), so 30 MiB is passed once, by the first worker.
  const r = run('recycle-mb', ['--workers', '1', '--strategy', 'roundrobin'], {
    'MpEventLoopMgr.RecycleAboveMB': '30',
    'Retain.RetainKB': '100',
  });
  assertSameAsSerial(r, 'recycle above MB');
  assert.match(r.stdout, / 1 recycles/);
});

test('RecycleAboveMB below a fresh worker\'s private memory is ignored, with a warning', () => {
  const r = run('recycle-mb-low', ['--workers', '1', '--strategy', 'roundrobin'], { 'MpEventLoopMgr.RecycleAboveMB': '0.5' });
  assertSameAsSerial(r, 'recycle above MB too low');
  assert.match(r.stdout, / 0 recycles/);
  assert.match(r.stdout, /RecycleAboveMB = 0.5 is at or below a fresh worker's private memory: it was ignored/);
});

test('a WorkerDir outside the output directory is refused before anything is deleted', () => {
  for (const [name, workerDir] of [['wd-dot', '"."'], ['wd-up', '"../elsewhere"']]) {
    const dir = path.join(tmp, name);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'keep.txt'), 'mine');
    const r = run(name, ['--workers', '2'], { 'MpEventLoopMgr.WorkerDir': workerDir });
    assert.equal(r.status, 3, r.stderr + r.stdout);
    assert.match(r.stderr, /MpEventLoopMgr\.WorkerDir must name a directory inside ApplicationMgr\.OutputDir/);
    assert.equal(fs.readFileSync(path.join(dir, 'keep.txt'), 'utf8'), 'mine');
  }
});
