// What a host application learns from cowloop about how it started node, through the
// public API with real host processes (test/fixtures/embed/host.mjs):
// - without --single-threaded, a multi-process job fails at initialize with
//   ERR_COWLOOP_NOT_SINGLE_THREADED, before any component is initialised and without
//   touching the output directory;
// - without a small semi-space, the first fork of the process logs one warning that names
//   --max-semi-space-size=1 and how to silence it; with the flag (on the command line or in
//   NODE_OPTIONS) or with MpEventLoopMgr.WarnSemiSpace = false, nothing is said.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { withDir } from './helpers/tmp.mjs';
import { root } from './helpers/root.mjs';

const host = path.join(root, 'test', 'fixtures', 'embed', 'host.mjs');
const WARNING = /MpEventLoopMgr +WARNING workers are forked from a node started without --max-semi-space-size: .*about 38 MiB per worker against 14-18 MiB.* --max-semi-space-size=1 .*MpEventLoopMgr\.WarnSemiSpace = false/g;

/** Runs the host; `nodeFlags` go before the script. Returns the exit status, output and the RESULT line. */
function runHost(dir, { nodeFlags = [], workers = 2, runs = 1, extra = {}, nodeOptions } = {}) {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  if (nodeOptions) env.NODE_OPTIONS = nodeOptions;
  const out = path.join(dir, 'out');
  const marker = path.join(dir, 'initialized');
  const r = spawnSync(process.execPath, [...nodeFlags, host, out, marker, String(workers), String(runs), JSON.stringify(extra)], {
    cwd: dir,
    env,
    encoding: 'utf8',
    timeout: 120000,
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  assert.ok(line, `no RESULT line; status ${r.status}\n${r.stdout}\n${r.stderr}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, result: JSON.parse(line.slice(7)), out, marker };
}

test('a multi-process job in a node without --single-threaded fails before initialising anything', () => {
  withDir((dir) => {
    const out = path.join(dir, 'out');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'earlier.ndjson'), '{"event":0}\n');
    const r = runHost(dir);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.equal(r.result.ok, false);
    assert.equal(r.result.code, 'ERR_COWLOOP_NOT_SINGLE_THREADED');
    assert.match(r.result.message, /MpEventLoopMgr\.NWorkers = 2 forks worker processes/);
    assert.ok(r.result.message.includes(`Start node as: node --single-threaded ${host}`), r.result.message);
    assert.equal(fs.existsSync(r.marker), false, 'no component was initialised');
    assert.deepEqual(fs.readdirSync(out), ['earlier.ndjson'], 'the output directory is untouched');
    assert.equal(fs.readFileSync(path.join(out, 'earlier.ndjson'), 'utf8'), '{"event":0}\n');
  });
});

test('the same host runs with --single-threaded, and without it when NWorkers = 0', () => {
  withDir((dir) => {
    const r = runHost(dir, { nodeFlags: ['--single-threaded', '--max-semi-space-size=1'] });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.deepEqual(r.result, { ok: true, processed: 20 });
    assert.ok(fs.existsSync(r.marker));
    assert.equal(fs.readFileSync(path.join(r.out, 'tags.ndjson'), 'utf8').split('\n').length, 21);
  });
  withDir((dir) => {
    const r = runHost(dir, { workers: 0 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.deepEqual(r.result, { ok: true, processed: 20 });
  });
});

test('forking without a small semi-space logs one warning per process', () => {
  withDir((dir) => {
    const r = runHost(dir, { nodeFlags: ['--single-threaded'], runs: 2 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.deepEqual(r.result, { ok: true, processed: 40 });
    assert.equal(r.stdout.match(WARNING)?.length, 1, r.stdout);
  });
  withDir((dir) => {
    const r = runHost(dir, { nodeFlags: ['--single-threaded', '--max-semi-space-size=16'] });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /WARNING workers are forked from a node started with --max-semi-space-size=16: /);
  });
});

test('no semi-space warning with the flag, with it in NODE_OPTIONS, or when switched off', () => {
  const quiet = [
    { nodeFlags: ['--single-threaded', '--max-semi-space-size=1'] },
    { nodeFlags: ['--single-threaded'], nodeOptions: '--max-semi-space-size=1' },
    { nodeFlags: ['--single-threaded'], extra: { WarnSemiSpace: false } },
  ];
  for (const how of quiet) {
    withDir((dir) => {
      const r = runHost(dir, how);
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.deepEqual(r.result, { ok: true, processed: 20 }, JSON.stringify(how));
      assert.doesNotMatch(r.stdout, /semi-space/, JSON.stringify(how));
    });
  }
});
