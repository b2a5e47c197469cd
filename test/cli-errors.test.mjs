// What a user sees when a job goes wrong, through the `cowloop` command as a user starts it
// (the launcher re-executes node): an event that hangs (EventTimeout, a second signal), the
// same bad input serially and with workers, an algorithm that throws (where, in the user's
// code), usage and configuration errors with their exit codes, a worker out of heap.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { waitFor } from './helpers/proc.mjs';
import { spawnCollecting } from './helpers/spawn-collecting.mjs';
import { root, bin } from './helpers/root.mjs';
import { suiteDir } from './helpers/tmp.mjs';

const job = path.join(root, 'test', 'fixtures', 'cli', 'errors.opts');
const EVENTS = 300;
const tmp = suiteDir('cowloop-cli-errors-');
let input;

before(() => {
  input = path.join(tmp, 'hits.ndjson');
  const gen = spawn(process.execPath, [path.join(root, 'examples', 'reco', 'make-input.js'), '--events', String(EVENTS), '--out', input]);
  return new Promise((resolve) => gen.on('close', resolve));
});

/** Starts `cowloop run` (through the launcher); `onStderr(text, child)` sees stderr as it comes. */
function cowloop(args, { file = job, input: inputs = [input], env = {}, onStderr } = {}) {
  // inputs null: EventSelector.Input as the options file sets it.
  const sets = [...(inputs ? [`EventSelector.Input=${JSON.stringify(inputs)}`] : []), `RecoInputSvc.File=${JSON.stringify(input)}`];
  return spawnCollecting([bin, 'run', file, ...sets.flatMap((s) => ['--set', s]), ...args], { cwd: tmp, env, onStderr, timeout: 120000 });
}

const run = (args, opts) => cowloop(args, opts).done;

/** No process of this test's jobs is left (the launcher's child and the workers included). */
function noneLeft(dir) {
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let cmd = '';
    try {
      cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    assert.ok(!cmd.includes(dir), `process ${pid} is still running: ${cmd.replaceAll('\0', ' ')}`);
  }
}

test('serial: an event in a busy loop past EventTimeout stops the job, naming the event (exit 4)', async () => {
  const out = path.join(tmp, 'busy-timeout');
  const r = await run(['--out', out, '--set', 'Stall.Event=20', '--set', 'EventLoopMgr.EventTimeout=1', '--quiet']);
  assert.equal(r.status, 4, r.stderr);
  assert.match(r.stderr, /event 20 has run past EventTimeout = 1 s and blocks the job/);
  noneLeft(out);
});

test('serial: an event that never settles is skipped at EventTimeout, or fails the job with OnPoisonEvent = "fail"', async () => {
  const sleep = ['--set', 'Stall.Event=20', '--set', 'Stall.Mode="sleep"', '--set', 'EventLoopMgr.EventTimeout=1', '--json', '--quiet'];
  const skipped = await run(['--out', path.join(tmp, 'sleep-skip'), ...sleep]);
  assert.equal(skipped.status, 4, skipped.stderr);
  const s = skipped.json();
  assert.deepEqual([s.status, s.processed, s.failed], ['failed-events', EVENTS, 1]);
  assert.deepEqual(s.failedEvents.map((f) => f.number), [20]);
  assert.match(s.failedEvents[0].message, /did not finish within EventTimeout = 1 s/);

  const failed = await run(['--out', path.join(tmp, 'sleep-fail'), ...sleep, '--set', 'EventLoopMgr.OnPoisonEvent="fail"']);
  assert.equal(failed.status, 4, failed.stderr);
  const f = failed.json();
  assert.equal(f.error.code, 'ERR_COWLOOP_EVENT_TIMEOUT');
  assert.deepEqual([f.processed, f.failed, f.failedEvents.map((e) => e.number)], [21, 1, [20]]);
});

/** Runs a job whose event 20 stalls, sends SIGINT twice once it stalls; resolves to the outcome. */
async function interruptStalled(name, mode) {
  const marker = path.join(tmp, `${name}.stalled`);
  const out = path.join(tmp, name);
  const { child, done } = cowloop(['--out', out, '--progress', 'plain', '--set', 'Stall.Event=20', '--set', `Stall.Mode="${mode}"`, '--set', `Stall.Marker=${JSON.stringify(marker)}`]);
  let ended = false;
  done.then(() => (ended = true));
  await waitFor(() => ended || fs.existsSync(marker), 60000);
  assert.ok(!ended, 'the job ended before its event stalled');
  child.kill('SIGINT');
  // A second signal within 250 ms counts as the same keypress: wait longer than that.
  await new Promise((r) => setTimeout(r, 400));
  child.kill('SIGINT');
  const r = await done;
  noneLeft(out);
  return r;
}

test('serial: a second SIGINT ends a job stuck in a busy loop, naming the event (exit 130)', async () => {
  const r = await interruptStalled('busy-sigint', 'busy');
  assert.equal(r.status, 130, r.stderr);
  assert.match(r.stderr, /did not respond to the second signal; event 20 was in hand/);
});

test('serial: a second SIGINT ends a job waiting on an event that never settles, naming the event (exit 130)', async () => {
  const r = await interruptStalled('sleep-sigint', 'sleep');
  assert.equal(r.status, 130, r.stderr);
  assert.match(r.stderr, /SIGINT again: quitting now \(event 20 in hand\)/);
});

test('a corrupt input record ends serial and parallel runs alike: exit 3, the record named, what was processed counted', async () => {
  const lines = fs.readFileSync(input, 'utf8').split('\n');
  const bad = path.join(tmp, 'bad.ndjson');
  fs.writeFileSync(bad, [...lines.slice(0, 150), '{"hits": [1, 2', ...lines.slice(150)].join('\n'));
  const serial = await run(['--out', path.join(tmp, 'bad-serial'), '--json', '--quiet'], { input: [bad] });
  const parallel = await run(['--out', path.join(tmp, 'bad-mp'), '--json', '--quiet', '--workers', '2'], { input: [bad] });
  for (const [label, r] of [['serial', serial], ['workers', parallel]]) {
    assert.equal(r.status, 3, `${label}: ${r.stderr}`);
    const s = r.json();
    assert.equal(s.status, 'error', label);
    assert.equal(s.exitCode, 3, label);
    assert.equal(s.error.code, 'ERR_COWLOOP_IO_BAD_RECORD', label);
    assert.match(s.error.message, /bad\.ndjson:151: record 150 is not valid JSON/, label);
    assert.ok(s.processed > 0, `${label}: processed ${s.processed}`);
  }
  assert.notEqual(parallel.json().multiProcess, null);
});

test('an algorithm that throws: the event is counted as failed and the user\'s file:line is shown, serially and with workers', async () => {
  for (const workers of ['0', '2']) {
    const r = await run(['--out', path.join(tmp, `throws-${workers}`), '--json', '--quiet', '--workers', workers, '--set', 'FailOn.Events=[15]']);
    assert.equal(r.status, 4, r.stderr);
    const s = r.json();
    assert.equal(s.failed, 1);
    assert.deepEqual(s.failedEvents.map((f) => f.number), [15]);
    assert.ok(s.processed >= 16, `processed ${s.processed}`);
    for (const frames of [s.failedEvents[0].at, s.error.at]) {
      assert.match(frames[0], /FailOn\.execute \(.*fixtures\/cli\/algs\.mjs:\d+:\d+\)/);
      assert.ok(frames.every((f) => !f.includes(`${path.sep}dist${path.sep}`)), frames.join('\n'));
    }
    assert.match(r.stderr, /\n {4}at FailOn\.execute \(.*algs\.mjs:\d+:\d+\)/);
  }
});

test('usage and configuration errors: --strategy, --out below a file, a missing input, options for no component', async () => {
  for (const extra of [[], ['--workers', '2']]) {
    const r = await run(['--out', path.join(tmp, 'strategy'), '--strategy', 'ragnes', ...extra]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--strategy must be one of sharedqueue, roundrobin, ranges, files \(got "ragnes"\) \(did you mean "ranges"\?\)/);
  }

  const file = path.join(tmp, 'a-file');
  fs.writeFileSync(file, '');
  const below = await run(['--out', path.join(file, 'out'), '--quiet']);
  assert.equal(below.status, 3, below.stderr);
  assert.match(below.stderr, /ApplicationMgr\.OutputDir: cannot create the output directory .*a-file\/out: a regular file is in the way \[ERR_COWLOOP_BAD_PROPERTY\]/);
  assert.doesNotMatch(below.stderr, /\n\s+at /);

  const dir = fs.mkdtempSync(path.join(tmp, 'missing-'));
  const opts = path.join(dir, 'missing.opts');
  fs.writeFileSync(opts, `#include ${JSON.stringify(job)}\nEventSelector.Input = { "no-such.ndjson" };\nRecoInputSvc.File = ${JSON.stringify(input)};\n`);
  const missing = await run(['--out', path.join(tmp, 'missing-out'), '--quiet', '--json'], { file: opts, input: null });
  assert.equal(missing.status, 3, missing.stderr);
  assert.match(missing.json().error.message, /cannot open input no-such\.ndjson: no such file in the working directory .* nor beside the options file \(.*missing-[^)]*\).*relative paths resolve against the working directory, then beside the options file/);

  const typo = await run(['--out', path.join(tmp, 'typo'), '--quiet', '--set', 'TrackFindr.MinHits=3']);
  assert.equal(typo.status, 3, typo.stderr);
  assert.match(typo.stderr, /options for "TrackFindr", but the job creates no component of that name\. Did you mean "TrackFinder"\?/);
  const warned = await run(['--out', path.join(tmp, 'typo-warn'), '--events', '5', '--set', 'TrackFindr.MinHits=3', '--set', 'ApplicationMgr.UnknownOptions="warn"']);
  assert.equal(warned.status, 0, warned.stderr);
  assert.match(warned.stdout, /WARNING .*options for "TrackFindr"/);
});

test('a worker that runs out of heap is reported so, with its log; the event is a poison event', async () => {
  const out = path.join(tmp, 'oom');
  const r = await run(['--out', out, '--workers', '2', '--json', '--set', 'Hog.Event=40', '--set', 'MpEventLoopMgr.MaxEventRetries=1'], {
    env: { NODE_OPTIONS: '--max-old-space-size=128' },
  });
  assert.equal(r.status, 4, r.stderr);
  assert.match(r.stderr, /worker \d \(pid \d+\) ran out of JavaScript heap \(see .*worker_\d\.crashed-\d+\/worker\.log;.*while processing event 40/);
  assert.doesNotMatch(r.stderr, /SIGIOT|SIGABRT/);
  const s = r.json();
  assert.deepEqual(s.multiProcess.poisonEvents, [40]);
  assert.equal(s.processed, EVENTS);
  assert.equal(s.multiProcess.recycles, 0);
  assert.ok(s.workers.every((w) => w.generation === 0));
});
