// ForkOptions.title and ForkOptions.cpus reach the child.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { fork } from 'cowloop';

test('a child gets its process title and CPU affinity', async () => {
  const child = await fork(
    (ctx) =>
      new Promise((resolve) => {
        ctx.send('ready');
        ctx.on('message', () => {
          const status = fs.readFileSync('/proc/self/status', 'utf8');
          resolve({ title: process.title, cpus: /Cpus_allowed_list:\s*(\S+)/.exec(status)[1] });
        });
      }),
    { title: 'cowloop: test child', cpus: [0] },
  );
  await new Promise((r) => child.once('message', r));
  // Seen from outside too: what ps and pgrep -f read.
  const cmdline = fs.readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').replace(/\0+$/, '');
  assert.match(cmdline, /^cowloop: test child/);
  child.send('go');
  assert.deepEqual(await child.result, { title: 'cowloop: test child', cpus: '0' });
  assert.deepEqual(await child.exited, { code: 0, signal: null });
});
