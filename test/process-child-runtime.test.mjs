// A forked child has a working Node.js runtime: timers, promises, the thread pool
// (fs, zlib, crypto), dns and child processes of its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fork } from 'cowloop';
import { withDir } from './helpers/tmp.mjs';

test('a child uses timers, promises, async fs, zlib, crypto, dns and execFile', async () => {
  await withDir(async (dir) => {
    const initialised = { table: Array.from({ length: 1000 }, (_, i) => i * 2) };
    const child = await fork(async () => {
      const { setTimeout: sleep } = await import('node:timers/promises');
      const fsp = await import('node:fs/promises');
      const zlib = await import('node:zlib');
      const crypto = await import('node:crypto');
      const dns = await import('node:dns/promises');
      const { execFile } = await import('node:child_process');
      const { promisify } = await import('node:util');

      await sleep(20);
      const file = path.join(dir, 'child.txt');
      await fsp.writeFile(file, 'written by the child');
      const text = await fsp.readFile(file, 'utf8');
      const packed = await promisify(zlib.gzip)(Buffer.from(text));
      const unpacked = (await promisify(zlib.gunzip)(packed)).toString();
      const digest = (await promisify(crypto.pbkdf2)('pw', 'salt', 1000, 16, 'sha256')).toString('hex');
      const random = (await promisify(crypto.randomBytes)(8)).length;
      const { address } = await dns.lookup('localhost');
      const { stdout } = await promisify(execFile)(process.execPath, ['-e', 'process.stdout.write(String(6*7))']);
      return { text, unpacked, digest, random, address, stdout, sum: initialised.table.reduce((a, b) => a + b, 0) };
    });
    const result = await child.result;
    assert.equal(result.text, 'written by the child');
    assert.equal(result.unpacked, 'written by the child');
    assert.match(result.digest, /^[0-9a-f]{32}$/);
    assert.equal(result.random, 8);
    assert.ok(['127.0.0.1', '::1'].includes(result.address), result.address);
    assert.equal(result.stdout, '42');
    assert.equal(result.sum, 999000);
    assert.deepEqual(await child.exited, { code: 0, signal: null });
  });
});

test('process.pid and process.ppid are the child\'s own', async () => {
  const child = await fork((ctx) => ({ pid: process.pid, ppid: process.ppid, parentPid: ctx.parentPid, ctxPid: ctx.pid }));
  const r = await child.result;
  assert.equal(r.pid, child.pid);
  assert.equal(r.ctxPid, child.pid);
  assert.equal(r.ppid, process.pid);
  assert.equal(r.parentPid, process.pid);
  await child.exited;
});

test('a child inherits the parent\'s state as it was at the fork', async () => {
  let value = 'before';
  const pending = fork(() => value);
  value = 'after'; // still before the fork: fork happens from a clean point later this turn
  const child = await pending;
  value = 'changed by the parent after the fork';
  assert.equal(await child.result, 'after');
  await child.exited;
});

test('a child whose main waits only for a signal lives until it arrives', async () => {
  const child = await fork((ctx) => new Promise((resolve) => {
    process.once('SIGUSR2', () => resolve('got SIGUSR2'));
    ctx.send('listening');
  }));
  await new Promise((r) => child.once('message', r));
  assert.equal(child.kill('SIGUSR2'), true);
  assert.equal(await child.result, 'got SIGUSR2');
  assert.deepEqual(await child.exited, { code: 0, signal: null });
});
