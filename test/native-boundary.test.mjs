// The addon's exports, called directly in a real process: arguments of the wrong type are
// refused with a TypeError naming the function and the argument (never a crash), and system
// errors carry the errno's name as Node's own errors do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { withDir } from './helpers/tmp.mjs';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixture = path.join(root, 'test', 'fixtures', 'native', 'call.cjs');

/** Runs the calls in a fresh node process; returns one outcome per call. */
function callNative(calls, file) {
  const r = spawnSync(process.execPath, ['--single-threaded', fixture, root, JSON.stringify(calls), ...(file ? [file] : [])], { encoding: 'utf8' });
  assert.equal(r.status, 0, `the process ended with ${r.status ?? r.signal}: ${r.stderr}`);
  assert.equal(r.signal, null);
  const outcomes = r.stdout.trim().split('\n').map((line) => JSON.parse(line));
  assert.equal(outcomes.length, calls.length, r.stdout);
  return outcomes;
}

test('every export refuses arguments of the wrong type with a TypeError naming the argument', () => {
  const calls = [
    ['fork', []],
    ['fork', ['SIGTERM']],
    ['waitpid', ['123']],
    ['waitpid', [1.5]],
    ['dup2', [1]],
    ['dup2', [null, 2]],
    ['setAffinity', [0]],
    ['setAffinity', [[0, 'one']]],
    ['sharedMemory', []],
    ['sharedMemory', [-4096]],
    ['sharedMemory', [4096, '3']],
    ['collectGarbage', ['yes']],
    ['exit', [{}]],
  ];
  const expected = [
    /^fork\(\): argument 1 \(deathSignal\) must be a 32-bit integer \(got undefined\)$/,
    /^fork\(\): argument 1 \(deathSignal\) must be a 32-bit integer \(got a string\)$/,
    /^waitpid\(\): argument 1 \(pid\) must be a 32-bit integer \(got a string\)$/,
    /^waitpid\(\): argument 1 \(pid\) must be a 32-bit integer \(got 1\.5\)$/,
    /^dup2\(\): argument 2 \(to\) must be a 32-bit integer \(got undefined\)$/,
    /^dup2\(\): argument 1 \(from\) must be a 32-bit integer \(got null\)$/,
    /^setAffinity\(\): argument 1 \(cpus\) must be an array of 32-bit integers \(got 0\)$/,
    /^setAffinity\(\): argument 1 \(cpus\) must be an array of 32-bit integers \(got an array\)$/,
    /^sharedMemory\(\): argument 1 \(bytes\) must be a positive integer \(got undefined\)$/,
    /^sharedMemory\(\): argument 1 \(bytes\) must be a positive integer \(got -4096\)$/,
    /^sharedMemory\(\): argument 2 \(fd\) must be a 32-bit integer \(got a string\)$/,
    /^collectGarbage\(\): argument 1 \(thorough\) must be a boolean \(got a string\)$/,
    /^exit\(\): argument 1 \(code\) must be a 32-bit integer \(got an object\)$/,
  ];
  const outcomes = callNative(calls);
  outcomes.forEach((o, i) => {
    assert.equal(o.ok, false, `${o.name} accepted ${JSON.stringify(calls[i][1])}`);
    assert.equal(o.kind, 'TypeError', JSON.stringify(o));
    assert.equal(o.code, 'ERR_INVALID_ARG_TYPE');
    assert.match(o.message, expected[i]);
  });
});

test('the same exports called rightly still work', () => {
  const outcomes = callNative([['collectGarbage', [false]], ['sharedMemory', [4096]], ['pipe', []], ['platformThreads', []]]);
  assert.deepEqual(outcomes.map((o) => [o.name, o.ok, o.type]), [
    ['collectGarbage', true, 'undefined'],
    ['sharedMemory', true, 'object'],
    ['pipe', true, 'object'],
    ['platformThreads', true, 'number'],
  ]);
});

test('system errors are named by their errno, including ones beyond a short list (EACCES, ECHILD)', () => {
  withDir((dir) => {
    const file = path.join(dir, 'readonly');
    fs.writeFileSync(file, Buffer.alloc(4096));
    const [badFd, notOurs, group, readOnly] = callNative([
      ['dup2', [1_000_000, 1_000_001]],
      ['waitpid', [process.pid]],
      ['waitpid', [-1]],
      // A writable shared mapping of a file opened read-only.
      ['sharedMemory', [4096, '$readonly']],
    ], file);
    assert.deepEqual([badFd.kind, badFd.code, badFd.syscall], ['Error', 'EBADF', 'dup2']);
    assert.match(badFd.message, /^dup2 failed: EBADF \(.+\)$/);
    assert.deepEqual([notOurs.code, notOurs.syscall], ['ECHILD', 'waitpid']);
    // A pid of 0 or below would reap any child, libuv's included: refused before the call.
    assert.deepEqual([group.code, group.syscall], ['EINVAL', 'waitpid']);
    assert.deepEqual([readOnly.code, readOnly.syscall], ['EACCES', 'mmap']);
    assert.equal(typeof readOnly.errno, 'number');
    assert.match(readOnly.message, /^mmap failed: EACCES \(Permission denied\)$/);
  });
});
