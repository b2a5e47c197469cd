import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { processTree } from 'cowloop';
import { startHolder } from './fixtures/mem/holder.mjs';
import { bin as cli } from './helpers/root.mjs';

const run = promisify(execFile);

/** Runs the cowloop command; resolves to { code, stdout, stderr } whatever the exit code. */
async function cowloop(...args) {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    return { code: error.code, stdout: error.stdout, stderr: error.stderr };
  }
}

test('processTree finds a real parent and its two children', async () => {
  const parent = await startHolder(2);
  try {
    assert.equal(parent.childPids.length, 2);
    const tree = processTree(parent.pid);
    assert.equal(tree[0], parent.pid);
    assert.deepEqual(tree.slice(1), [...parent.childPids].sort((a, b) => a - b));
    // This test process is an ancestor: its tree holds the holder family too.
    const mine = processTree(process.pid);
    for (const pid of [parent.pid, ...parent.childPids]) assert.ok(mine.includes(pid));
  } finally {
    assert.equal(await parent.stop(), 0);
  }
});

test('cowloop mem <pid> --json reports a real child; --tree adds its children', async () => {
  const parent = await startHolder(2);
  try {
    await parent.run('buffer 30');
    const one = await cowloop('mem', String(parent.pid), '--json');
    assert.equal(one.code, 0, one.stderr);
    const report = JSON.parse(one.stdout);
    assert.equal(report.rows.length, 1);
    assert.equal(report.rows[0].pid, parent.pid);
    assert.ok(report.rows[0].external.private >= 30);
    assert.ok(report.rows[0].pss <= report.rows[0].rss);

    const tree = await cowloop('mem', String(parent.pid), '--tree', '--json');
    assert.equal(tree.code, 0, tree.stderr);
    const pids = JSON.parse(tree.stdout).rows.map((r) => r.pid);
    assert.deepEqual(new Set(pids), new Set([parent.pid, ...parent.childPids]));

    const table = await cowloop('mem', String(parent.pid), '--tree');
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /total \(3\)/);
    assert.match(table.stdout, /total \/ 3/);
  } finally {
    assert.equal(await parent.stop(), 0);
  }
});

test('cowloop mem with a pid that has exited fails with ERR_COWLOOP_NO_SUCH_PROCESS', async () => {
  const gone = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await once(gone, 'exit');
  const result = await cowloop('mem', String(gone.pid), '--json');
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, new RegExp(`pid ${gone.pid}.*ERR_COWLOOP_NO_SUCH_PROCESS`));
  const bad = await cowloop('mem', 'abc');
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /ERR_COWLOOP_INVALID_ARGUMENT/);
});
