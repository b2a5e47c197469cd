// Serial runs of a small application (generated events, two algorithms, histograms):
// deterministic output, EvtMax and SkipEvents, the error policy, and `cowloop run`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createApplication, readHistogramFile } from 'cowloop';
import { HitMaker, TrackCounter } from './fixtures/framework/components.mjs';
import { root, bin as cli } from './helpers/root.mjs';
import { tmpDir as tmpdir } from './helpers/tmp.mjs';

const jobOpts = path.join(root, 'test', 'fixtures', 'framework', 'job.opts');

function options(dir, extra = {}) {
  return {
    ApplicationMgr: {
      ExtSvc: ['CounterSelector/EventSelector'],
      TopAlg: ['HitMaker/Hits', 'TrackCounter/Tracks'],
      OutputDir: dir,
      ...(extra.ApplicationMgr ?? {}),
    },
    EventSelector: { Events: 30, ...(extra.EventSelector ?? {}) },
    HistogramSvc: { Output: 'histos.json' },
    Tracks: { MinHits: 3, ...(extra.Tracks ?? {}) },
    ...(extra.EventLoopMgr ? { EventLoopMgr: extra.EventLoopMgr } : {}),
  };
}

async function runApp(dir, extra, lines = []) {
  const app = createApplication({ options: options(dir, extra), components: [HitMaker, TrackCounter], messageSink: { write: (l) => lines.push(l) } });
  const summary = await app.run();
  return { app, summary, lines };
}

const stable = ({ wallMs, algorithms, ...rest }) => ({ ...rest, algorithms: algorithms.map(({ totalMs, meanMs, ...a }) => a) });

test('a serial run processes every event and returns a deterministic summary and histogram file', async (t) => {
  const dir = tmpdir(t);
  const { app, summary, lines } = await runApp(dir, {});
  const file = path.join(dir, 'histos.json');
  assert.deepEqual(stable(summary), {
    eventLoop: 'EventLoopMgr',
    processed: 30,
    failed: 0,
    failedEvents: [],
    stoppedEarly: false,
    algorithms: [
      { name: 'Hits', type: 'HitMaker', calls: 30, failures: 0 },
      { name: 'Tracks', type: 'TrackCounter', calls: 30, failures: 0 },
    ],
    outputs: [file],
    messages: { VERBOSE: 0, DEBUG: 0, INFO: 3, WARNING: 0, ERROR: 0, FATAL: 0 },
  });
  assert.ok(summary.algorithms.every((a) => a.totalMs >= 0 && a.meanMs >= 0));
  assert.deepEqual(app.component('Tracks').seen, Array.from({ length: 30 }, (_, i) => i));
  assert.ok(lines.includes('ApplicationMgr       INFO    processed 30 events, 0 failed, with EventLoopMgr'), lines.join('\n'));

  const histos = readHistogramFile(file);
  assert.deepEqual(histos.map((h) => h.path), ['reco/hits-vs-tracks', 'reco/ntracks', 'sim/nhits']);
  assert.ok(histos.every((h) => h.entries === 30));

  // The same job again: byte-identical histogram file.
  const again = tmpdir(t);
  await runApp(again, {});
  assert.equal(fs.readFileSync(path.join(again, 'histos.json'), 'utf8'), fs.readFileSync(file, 'utf8'));
});

test('EvtMax and SkipEvents select a window of the input by event number', async (t) => {
  const { app, summary } = await runApp(tmpdir(t), { ApplicationMgr: { EvtMax: 5 }, EventSelector: { SkipEvents: 7 } });
  assert.equal(summary.processed, 5);
  assert.deepEqual(app.component('Tracks').seen, [7, 8, 9, 10, 11]);

  const all = await runApp(tmpdir(t), { ApplicationMgr: { EvtMax: -1 }, EventSelector: { SkipEvents: 25 } });
  assert.deepEqual(all.app.component('Tracks').seen, [25, 26, 27, 28, 29]);

  const past = await runApp(tmpdir(t), { EventSelector: { SkipEvents: 40 } });
  assert.equal(past.summary.processed, 0);
});

test('per-event results do not depend on the window: event 9 fills the same bins alone or in the whole run', async (t) => {
  const one = await runApp(tmpdir(t), { ApplicationMgr: { EvtMax: 1 }, EventSelector: { SkipEvents: 9 } });
  const hits = one.app.service('HistogramSvc').get('sim/nhits');
  const bin = hits.sumw.findIndex((w) => w === 1);
  assert.ok(bin > 0);
  // Replaying only events 0..8 and 10..: the whole run's content minus theirs is exactly event 9's.
  const whole = await runApp(tmpdir(t), {});
  const before = await runApp(tmpdir(t), { ApplicationMgr: { EvtMax: 9 } });
  const after = await runApp(tmpdir(t), { EventSelector: { SkipEvents: 10 } });
  const w = whole.app.service('HistogramSvc').get('sim/nhits').sumw;
  const b = before.app.service('HistogramSvc').get('sim/nhits').sumw;
  const a = after.app.service('HistogramSvc').get('sim/nhits').sumw;
  const diff = Array.from(w, (x, i) => x - b[i] - a[i]);
  assert.deepEqual(diff, Array.from(hits.sumw));
});

test('OnError = "skip" counts failed events, names them and goes on', async (t) => {
  const { summary, lines } = await runApp(tmpdir(t), { Tracks: { FailOn: [4, 11] }, EventLoopMgr: { OnError: 'skip' } });
  assert.equal(summary.processed, 30);
  assert.equal(summary.failed, 2);
  assert.deepEqual(summary.failedEvents.map(({ at: _at, ...f }) => f), [
    { number: 4, algorithm: 'Tracks', message: 'bad event 4' },
    { number: 11, algorithm: 'Tracks', message: 'bad event 11' },
  ]);
  // Where the algorithm threw, in the user's code (not cowloop's own frames).
  for (const f of summary.failedEvents) assert.match(f.at[0], /^at TrackCounter\.execute \(.*fixtures\/framework\/components\.mjs:\d+:\d+\)$/);
  assert.equal(summary.algorithms[1].failures, 2);
  assert.ok(lines.some((l) => l.startsWith('EventLoopMgr         ERROR   event 4 failed in Tracks: bad event 4; skipped (at TrackCounter.execute (')), lines.join('\n'));
});

test('OnError = "abort" (the default) stops the job, still finalizes, and throws naming the event', async (t) => {
  const dir = tmpdir(t);
  const lines = [];
  // By default the failed run writes no output at all.
  const plain = createApplication({ options: options(dir, { Tracks: { FailOn: [6] } }), components: [HitMaker, TrackCounter], messageSink: { write: () => {} } });
  await assert.rejects(plain.run(), /event 6 failed/);
  assert.deepEqual(fs.readdirSync(dir), [], 'nothing written by a failed run');
  const keep = { Tracks: { FailOn: [6] }, ApplicationMgr: { KeepPartialOutputs: true } };
  const app = createApplication({ options: options(dir, keep), components: [HitMaker, TrackCounter], messageSink: { write: (l) => lines.push(l) } });
  await assert.rejects(app.run(), (e) => {
    assert.equal(e.code, 'ERR_COWLOOP_EVENT_FAILED');
    assert.match(e.message, /^event 6 failed in Tracks: bad event 6 /);
    return true;
  });
  assert.equal(app.state, 'configured');
  // KeepPartialOutputs: finalized after the abort: events 0-5, and event 6's hit count, filled before Tracks threw.
  const nhits = readHistogramFile(path.join(dir, 'histos.json')).find((h) => h.path === 'sim/nhits');
  assert.equal(nhits.entries, 7);
  assert.deepEqual(app.component('Tracks').seen, [0, 1, 2, 3, 4, 5]);
});

test('cowloop run: options file, flags as overrides, summary JSON and exit codes', (t) => {
  const dir = tmpdir(t);
  const summaryFile = path.join(dir, 'summary.json');
  const r = spawnSync(process.execPath, [cli, 'run', jobOpts, '--out', dir, '--events', '12', '--summary', summaryFile, '-s', 'EventSelector.SkipEvents=3'], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^ApplicationMgr {7}INFO {4}processed 12 events, 0 failed, with EventLoopMgr$/m);
  const summary = JSON.parse(fs.readFileSync(summaryFile, 'utf8'));
  assert.equal(summary.processed, 12);
  assert.deepEqual(summary.outputs, [path.join(dir, 'histos.json')]);
  assert.equal(readHistogramFile(path.join(dir, 'histos.json'))[0].entries, 12);

  const failing = spawnSync(process.execPath, [cli, 'run', jobOpts, '--out', dir, '-s', 'Tracks.FailOn=[2]', '-s', 'EventLoopMgr.OnError=skip'], {
    encoding: 'utf8',
  });
  assert.equal(failing.status, 4, failing.stderr);
  assert.match(failing.stdout, /event 2 failed in Tracks: bad event 2; skipped/);

  const bad = spawnSync(process.execPath, [cli, 'run', jobOpts, '--out', dir, '-s', 'Tracks.MinHits="x"'], { encoding: 'utf8' });
  assert.equal(bad.status, 3);
  assert.match(bad.stderr, /<command line>:1:1: Tracks\.MinHits: expected int >= 1, got "x"/);
});

test('ApplicationMgr.EventLoop selects a registered loop, which inherits the EventLoopMgr.* settings', async (t) => {
  const { EventLoopMgr } = await import('cowloop');
  class TracingLoop extends EventLoopMgr {
    seen = [];
    async executeEvent(record) {
      this.seen.push(record.number);
      return super.executeEvent(record);
    }
  }
  const dir = tmpdir(t);
  const opts = options(dir, { ApplicationMgr: { EventLoop: 'TracingLoop', EvtMax: 6 }, Tracks: { FailOn: [1] }, EventLoopMgr: { OnError: 'skip' } });
  const app = createApplication({ options: opts, components: [HitMaker, TrackCounter, TracingLoop], messageSink: { write() {} } });
  const summary = await app.run();
  assert.equal(summary.eventLoop, 'TracingLoop');
  assert.equal(app.eventLoop.name, 'TracingLoop');
  assert.deepEqual(app.eventLoop.seen, [0, 1, 2, 3, 4, 5]);
  assert.equal(app.eventLoop.props.OnError, 'skip');
  assert.deepEqual(summary.failedEvents.map((f) => f.number), [1]);
});
