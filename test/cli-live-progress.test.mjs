// `cowloop run` on a terminal (a pseudo-terminal made by util-linux `script`): the live
// display is drawn while workers are forked (nothing it does may count as pending work at
// a fork), with colour, and without colour when NO_COLOR is set.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { root, bin } from './helpers/root.mjs';
import { withDir } from './helpers/tmp.mjs';

const job = path.join(root, 'test', 'fixtures', 'cli', 'job.opts');
const SCRIPT = '/usr/bin/script';

function onTerminal(args, env) {
  // script's terminal has the size of its own (none here): give it one.
  const command = `stty cols 120 rows 40; ${[process.execPath, '--single-threaded', bin, 'run', job, ...args].map((a) => `'${a}'`).join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn(SCRIPT, ['-qefc', command, '/dev/null'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TERM: 'xterm-256color', ...env },
      timeout: 60000,
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, out }));
  });
}

test('on a terminal: a live frame with per-worker rows; NO_COLOR turns colour off', async (t) => {
  if (!fs.existsSync(SCRIPT)) {
    t.skip(`${SCRIPT} (util-linux) not found: no pseudo-terminal to test the live display`);
    return;
  }
  await withDir(async (dir) => {
    const args = ['--workers', '2', '--events', '300', '--set', 'Pace.SpinMs=4'];
    const [coloured, plain] = await Promise.all([
      onTerminal([...args, '--out', path.join(dir, 'a')], { NO_COLOR: '' }),
      onTerminal([...args, '--out', path.join(dir, 'b')], { NO_COLOR: '1' }),
    ]);
    for (const r of [coloured, plain]) {
      assert.equal(r.status, 0, r.out);
      const text = r.out.replace(/\u001b\[[\d;?]*[A-Za-z]/g, '');
      assert.match(text, /cowloop job\.opts {2}workers, \d+ s/, 'the frame heading');
      assert.match(text, /300\/300 events \(100%\)/);
      assert.match(text, /worker 0 +\d+ +\d+/);
      assert.match(text, /worker 1 +\d+ +\d+/);
      assert.match(r.out, /\u001b\[\d*A|\u001b\[\d*F|\u001b\[2K/, 'the frame is redrawn in place');
      assert.doesNotMatch(r.out, /ERR_COWLOOP_ACTIVE_RESOURCES/);
    }
    assert.match(coloured.out, /\u001b\[32m█/, 'a green bar');
    assert.doesNotMatch(plain.out, /\u001b\[(1|2|31|32|33)m/, 'no colour with NO_COLOR');
  });
});
