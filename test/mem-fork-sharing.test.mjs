// What memoryReport sees when cowloop forks: the master's state is shared, not copied.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fork, memoryReport } from 'cowloop';

test('forked workers share the master state: large shared data, small USS, PSS split', async () => {
  // 64 MiB outside V8 (an ArrayBuffer) and ~20 MiB of small objects inside it.
  const buffer = new Uint8Array(new ArrayBuffer(64 * 2 ** 20));
  for (let i = 0; i < buffer.length; i += 4096) buffer[i] = 1;
  const table = new Map();
  for (let i = 0; i < 200_000; i++) table.set(i, { id: i, x: i * 0.5 });

  const workers = [];
  const up = [];
  for (let w = 0; w < 2; w++) {
    const forked = fork(
      (ctx) =>
        new Promise((resolve) => {
          ctx.on('message', () => resolve(table.size + buffer[0]));
          ctx.send('up');
        }),
      { title: `cowloop: worker ${w}` },
    );
    up.push(forked.then((child) => {
      workers.push(child);
      return new Promise((resolve) => child.on('message', resolve));
    }));
  }
  await Promise.all(up);
  try {
    const report = memoryReport([process.pid, ...workers.map((c) => c.pid)]);
    const [master, ...rows] = report.rows;
    assert.equal(master.pid, process.pid);
    for (const row of rows) {
      assert.match(row.role, /^cowloop: worker \d$/);
      assert.ok(row.external.shared >= 64, `worker ${row.pid} shares the ArrayBuffer (${row.external.shared} MiB)`);
      assert.ok(row.v8Heap.shared >= 15, `worker ${row.pid} shares the V8 heap (${row.v8Heap.shared} MiB)`);
      assert.ok(row.uss < 32, `worker ${row.pid} has little of its own (${row.uss} MiB)`);
      assert.ok(row.pss < row.rss / 2, `worker ${row.pid} PSS ${row.pss} is a share of RSS ${row.rss}`);
    }
    // Three processes hold one copy of the state: together far less than three times one.
    assert.ok(report.totals.pss < 0.6 * report.totals.rss);
  } finally {
    for (const child of workers) child.send('go');
    const results = await Promise.all(workers.map((c) => c.result));
    assert.deepEqual(results, [200_001, 200_001]);
    const exits = await Promise.all(workers.map((c) => c.exited));
    for (const exit of exits) assert.deepEqual(exit, { code: 0, signal: null });
  }
});
