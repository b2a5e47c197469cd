// The run report's accounting of a multi-process run (MpRunReport.timing and each worker's
// start and end of events): every figure is there, on one clock, and in the order the run
// went through them; `cowloop run --json` carries it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Algorithm, createApplication } from 'cowloop';
import { spawnCollecting } from './helpers/spawn-collecting.mjs';
import { bin, root } from './helpers/root.mjs';
import { withDir } from './helpers/tmp.mjs';

class Keep extends Algorithm {
  execute(ctx) {
    ctx.store.put('x', ctx.data.x);
  }
}

test('MpRunReport.timing: master events, workers, merge, the master\'s CPU; worker start and end of events inside the workers\' span', async () => {
  await withDir(async (dir) => {
    const input = path.join(dir, 'in.ndjson');
    fs.writeFileSync(input, Array.from({ length: 2000 }, (_, i) => `{"x":${i}}\n`).join(''));
    const app = createApplication({
      components: [Keep],
      options: {
        ApplicationMgr: { TopAlg: ['Keep', 'OutputStream/Out'], OutputDir: dir, EventLoop: 'MpEventLoopMgr' },
        EventSelector: { Input: [input] },
        Out: { Output: 'out.ndjson', ItemList: ['x'] },
        MpEventLoopMgr: { NWorkers: 2, ForkAfterEvents: 10 },
        MessageSvc: { OutputLevel: 'WARNING' },
      },
    });
    const summary = await app.run();
    assert.equal(summary.processed, 2000);
    const report = app.eventLoop.runReport;
    const t = report.timing;
    for (const k of ['runMs', 'startAtMs', 'masterEventsMs', 'masterEventsCpuMs', 'forkCpuMs', 'workersMs', 'workersStartAtMs', 'workersEndAtMs', 'masterCpuMs', 'mergeMs', 'mergeCpuMs']) {
      assert.ok(Number.isFinite(t[k]) && t[k] >= 0, `${k} = ${t[k]}`);
    }
    assert.ok(t.mergeMs > 0, 'the merge was timed');
    assert.ok(t.masterEventsMs > 0, 'the 10 events before forking were timed');
    assert.ok(t.runMs >= t.masterEventsMs + t.workersMs + t.mergeMs, JSON.stringify(t));
    assert.equal(t.workersEndAtMs - t.workersStartAtMs, t.workersMs);
    assert.equal(report.workers.length, 2);
    for (const w of report.workers) {
      assert.ok(t.workersStartAtMs <= w.startMs && w.startMs <= w.eventsEndMs && w.eventsEndMs <= w.endMs && w.endMs <= t.workersEndAtMs, JSON.stringify({ t, w }));
    }
  });
});

test('cowloop run --json: multiProcess.timing', async () => {
  await withDir(async (dir) => {
    const input = path.join(dir, 'in.ndjson');
    fs.writeFileSync(input, Array.from({ length: 300 }, (_, i) => `{"x":${i}}\n`).join(''));
    const job = path.join(root, 'test', 'fixtures', 'io', 'hold.opts');
    const r = await spawnCollecting([bin, 'run', job, '--out', dir, '--workers', '2', '--json', '--progress', 'none', '--set', `EventSelector.Input=${JSON.stringify([input])}`], {}).done;
    assert.equal(r.status, 0, r.stderr);
    const timing = r.json().multiProcess.timing;
    assert.ok(timing.workersMs > 0 && timing.mergeMs > 0 && timing.masterCpuMs >= 0, JSON.stringify(timing));
  });
});
