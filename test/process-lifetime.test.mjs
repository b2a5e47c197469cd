// Children die with their master; GC-heavy children never hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { alive, waitFor } from './helpers/proc.mjs';
import { forkGcHeavyPairs } from './helpers/gc-heavy.mjs';
import { root } from './helpers/root.mjs';
import { withDir } from './helpers/tmp.mjs';

test('killing the master with SIGKILL leaves no child alive', async () => {
  const fixture = path.join(root, 'test', 'fixtures', 'process', 'master-with-children.mjs');
  const master = spawn(process.execPath, ['--single-threaded', fixture], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((r) => master.once('close', (code, signal) => r({ code, signal })));
  let line = '';
  for await (const chunk of master.stdout) {
    line += chunk;
    if (line.includes('\n')) break;
  }
  master.stdout.resume(); // drain to EOF so the pipe and the process handle close
  const pids = JSON.parse(line);
  assert.equal(pids.length, 3);
  assert.ok(pids.every(alive), 'children run before the master dies');
  master.kill('SIGKILL');
  assert.deepEqual(await exited, { code: null, signal: 'SIGKILL' });
  // The parent-death signal is immediate; the wait only absorbs scheduling on a busy machine.
  const gone = await waitFor(() => pids.every((pid) => !alive(pid)), 10000);
  assert.equal(gone, true, `children still alive: ${pids.filter(alive)}`);
});

// test/slow/many-forks.test.mjs does 200 of these.
test('20 forks in a row of GC-heavy children all exit 0', () => forkGcHeavyPairs(10));

test('with deathSignal 0 a child outlives its parent, finishes main and exits', async () => {
  await withDir(async (dir) => {
    const marker = path.join(dir, 'done');
    const fixture = path.join(root, 'test', 'fixtures', 'process', 'orphan-child.mjs');
    const parent = spawn(process.execPath, ['--single-threaded', fixture, marker], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    parent.stdout.on('data', (d) => (out += d));
    const code = await new Promise((r) => parent.once('close', r));
    assert.equal(code, 0);
    const pid = Number(out.trim());
    assert.ok(pid > 0, out);
    assert.ok(await waitFor(() => fs.existsSync(marker), 10000), 'the orphaned child ran on');
    assert.equal(fs.readFileSync(marker, 'utf8'), String(pid));
    assert.ok(await waitFor(() => !alive(pid), 10000), 'and then exited');
  });
});
