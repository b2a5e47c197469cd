import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { formatMemoryReport, memoryReport, memoryUsage } from 'cowloop';
import { startHolder } from './fixtures/mem/holder.mjs';

const near = (a, b, tolerance, what) =>
  assert.ok(Math.abs(a - b) <= tolerance, `${what}: ${a} vs ${b} (tolerance ${tolerance})`);

test('two processes that share no data: rows, totals and total / N add up', async () => {
  const a = await startHolder();
  const b = await startHolder();
  try {
    await a.run('buffer 40');
    await b.run('buffer 60');
    const report = memoryReport([a.pid, b.pid]);
    assert.deepEqual(report.rows.map((r) => r.pid), [a.pid, b.pid]);
    assert.deepEqual(report.missing, []);
    for (const row of report.rows) {
      assert.match(row.role, /holder\.js/);
      assert.ok(row.pss <= row.rss, `PSS ${row.pss} <= RSS ${row.rss}`);
      assert.ok(row.uss <= row.pss);
      // Code and data partition the process; private + shared is everything resident.
      near(row.code.private + row.data.private, row.uss, 1e-6, 'code + data private = USS');
      near(row.code.private + row.code.shared + row.data.private + row.data.shared, row.rss, 1e-6, 'RSS');
      // smaps sums per mapping, smaps_rollup per process: they agree up to rounding.
      near(row.pss, memoryUsage(row.pid).pss, 2, 'smaps and smaps_rollup PSS');
    }
    // Sharing no data: each holder's buffer is its own private external memory.
    const [ra, rb] = report.rows;
    assert.ok(ra.external.private >= 40 && rb.external.private >= 60);
    assert.ok(ra.data.private >= 40 && rb.data.private >= 60);
    for (const key of ['pss', 'uss', 'rss', 'swap']) {
      near(report.totals[key], ra[key] + rb[key], 1e-6, `totals.${key}`);
      near(report.perProcess[key], report.totals[key] / 2, 1e-6, `perProcess.${key}`);
    }
    near(report.totals.data.private, ra.data.private + rb.data.private, 1e-6, 'totals.data.private');
    // Node's code pages come from one page cache: each counts them in RSS, PSS shares them.
    assert.ok(ra.code.shared > 0 && rb.code.shared > 0);
    assert.ok(report.totals.pss < report.totals.rss);

    const table = formatMemoryReport(report);
    const lines = table.split('\n');
    assert.match(lines[0], /^\s*pid\s+role\s+code priv\s+code shr\s+data priv\s+data shr\s+PSS\s+USS\s+RSS$/);
    assert.ok(lines.some((l) => l.trimStart().startsWith(String(a.pid))));
    assert.ok(lines.some((l) => l.includes('total (2)')));
    assert.ok(lines.some((l) => l.includes('total / 2')));
    assert.match(formatMemoryReport(report, { kinds: true }), /v8heap priv\s+v8heap shr\s+extern priv/);
  } finally {
    assert.equal(await a.stop(), 0);
    assert.equal(await b.stop(), 0);
  }
});

test('skipMissing leaves out a process that has exited; without it the report fails', async () => {
  const gone = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await once(gone, 'exit');
  const report = memoryReport([process.pid, gone.pid], { skipMissing: true });
  assert.deepEqual(report.rows.map((r) => r.pid), [process.pid]);
  assert.deepEqual(report.missing, [gone.pid]);
  assert.throws(() => memoryReport([process.pid, gone.pid]), { code: 'ERR_COWLOOP_NO_SUCH_PROCESS' });
  assert.throws(() => memoryReport([process.pid, 'x']), /pids\[1\] must be a positive integer/);
});
