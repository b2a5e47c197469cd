// fork() refuses, with a code and a message that says what to do, and creates no child.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { root } from './helpers/root.mjs';

const fixture = path.join(root, 'test', 'fixtures', 'process', 'refusals.mjs');

async function scenario(name, flags = ['--single-threaded']) {
  const { stdout } = await promisify(execFile)(process.execPath, [...flags, fixture, name]);
  return JSON.parse(stdout);
}

test('ERR_COWLOOP_NOT_SINGLE_THREADED names the command line to use', async () => {
  const out = await scenario('not-single-threaded', []);
  assert.equal(out.forked, false);
  assert.equal(out.code, 'ERR_COWLOOP_NOT_SINGLE_THREADED');
  assert.match(out.message, /node --single-threaded .*refusals\.mjs/);
  assert.equal(out.childrenCreated, 0);
});

test('ERR_COWLOOP_ACTIVE_RESOURCES names the pending work; allowActiveResources lets it through', async () => {
  const refused = await scenario('timer');
  assert.equal(refused.code, 'ERR_COWLOOP_ACTIVE_RESOURCES');
  assert.match(refused.message, /1 x Timeout/);
  assert.match(refused.message, /allowActiveResources: \['Timeout'\]/);
  assert.equal(refused.safety.ok, false);
  assert.equal(refused.childrenCreated, 0);
  const allowed = await scenario('timer-allowed');
  assert.deepEqual([allowed.forked, allowed.result], [true, 'forked']);
});

test('ERR_COWLOOP_WORKER_THREADS while a worker thread runs, and a fork after it ended', async () => {
  const out = await scenario('worker');
  assert.equal(out.code, 'ERR_COWLOOP_WORKER_THREADS');
  assert.match(out.message, /1 worker thread/);
  assert.deepEqual([out.afterTerminate.forked, out.afterTerminate.result], [true, 'forked']);
});

test('ERR_COWLOOP_IN_WORKER_THREAD when fork() is called inside a worker thread', async () => {
  const out = await scenario('in-worker-thread');
  assert.equal(out.forked, false);
  assert.equal(out.code, 'ERR_COWLOOP_IN_WORKER_THREAD');
  assert.match(out.message, /worker thread .*only the main thread may fork/);
  assert.equal(out.childrenCreated, 0);
});

test('ERR_COWLOOP_INSPECTOR while the inspector is open', async () => {
  const out = await scenario('inspector');
  assert.equal(out.code, 'ERR_COWLOOP_INSPECTOR');
  assert.equal(out.childrenCreated, 0);
});

test('invalid options are rejected with the option named', async () => {
  const { results, childrenCreated } = await scenario('bad-options');
  assert.equal(childrenCreated, 0);
  assert.ok(results.every((r) => r.forked === false && r.code === 'ERR_COWLOOP_INVALID_ARGUMENT'));
  assert.match(results[0].message, /options\.index must be a non-negative integer \(got -1\)/);
  assert.match(results[1].message, /options\.cpus/);
  assert.match(results[2].message, /options\.deathSignal .*"SIGNOPE"/);
  assert.match(results[3].message, /options\.title must be a string/);
  assert.match(results[4].message, /main must be a function/);
});
