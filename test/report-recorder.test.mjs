// RunRecorder and renderHtmlReport from a host application (no command line): the record
// of a serial run, its phases and memory samples, thinning, and the page built from it.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { createApplication, renderHtmlReport, RunRecorder } from 'cowloop';
import { root } from './helpers/root.mjs';
import { withDir } from './helpers/tmp.mjs';

const job = path.join(root, 'test', 'fixtures', 'cli', 'job.opts');

test('a host records a serial run and renders its report', async () => {
  await withDir(async (dir) => {
    const app = createApplication({
      options: job,
      overrides: { ApplicationMgr: { EvtMax: 300, OutputDir: dir }, Pace: { SpinMs: 3 } },
      messageSink: { write() {} },
    });
    await app.configure();
    const recorder = new RunRecorder({ job });
    const thin = new RunRecorder({ job, memory: false, maxSamples: 2 });
    const seen = [];
    recorder.onSample((s) => seen.push(s));
    recorder.attach(app.eventLoop);
    thin.attach(app.eventLoop);
    const summary = await app.run();
    const outcome = { status: 'ok', exitCode: 0, eventLoop: summary.eventLoop, processed: summary.processed, failed: summary.failed };
    const record = recorder.finish(outcome);

    assert.equal(record.processed, 300);
    assert.ok(seen.length >= 2, `${seen.length} samples`);
    assert.equal(seen.at(-1).sample.phase, 'done');
    assert.deepEqual(record.phases.map((p) => p.name), ['set-up', 'events', 'finalize']);
    for (let i = 1; i < record.phases.length; i++) assert.equal(record.phases[i].startMs, record.phases[i - 1].endMs);
    // The serial process is worker 0 and the only process measured.
    assert.ok(record.memory.length >= 2);
    assert.ok(record.memory.every((m) => m.index === 0 && m.pid === process.pid && m.uss > 0 && m.uss <= m.rss));
    assert.equal(record.progress.at(-1).done, 300);
    assert.equal(record.workers.length, 0);
    assert.equal(record.multiProcess, null);

    const thinned = thin.finish(outcome);
    assert.ok(thinned.progress.length <= 3 && thinned.progress.length < record.progress.length + 1);
    assert.equal(thinned.progress.at(-1).done, 300, 'the last sample is always kept');
    assert.equal(thinned.memory.length, 0);

    const html = renderHtmlReport({ ...record, job: '</script><b>x' });
    const data = /<script type="application\/json" id="run-data">([^<]*)<\/script>/.exec(html);
    assert.ok(data, 'the embedded record cannot close its script element');
    assert.equal(JSON.parse(data[1]).job, '</script><b>x');
    assert.ok(html.includes('&#60;/script&#62;&#60;b&#62;x'), 'the job name is escaped in the page text');
    assert.doesNotMatch(html, /id="memory-note"/, 'no note on workers exiting in a serial run');
  });
});
