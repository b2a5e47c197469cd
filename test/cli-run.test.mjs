// `cowloop run` as a real process: the --json summary with the per-worker table, messages
// kept off stdout, plain progress lines when stderr is not a terminal, --quiet,
// --mem-profile, exit codes, SIGINT in a serial run, and --debug-worker.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { runFile } from './helpers/run-dir.mjs';
import { root, bin } from './helpers/root.mjs';
import { withDir } from './helpers/tmp.mjs';
import { spawnCollecting } from './helpers/spawn-collecting.mjs';

const job = path.join(root, 'test', 'fixtures', 'cli', 'job.opts');

/** Starts `cowloop run job.opts ...args`; `onStderr(text, child)` sees stderr as it comes. */
function run(args, { env = {}, onStderr } = {}) {
  return spawnCollecting(['--single-threaded', bin, 'run', job, ...args], { cwd: root, env, onStderr }).done;
}

function lines(file) {
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
}

test('--json: stdout holds the summary alone, with one row per worker; messages and progress go to stderr', async () => {
  await withDir(async (dir) => {
    // Paced so that the workers run for more than one progress period (half a second).
    const r = await run(['--workers', '2', '--events', '300', '--set', 'Pace.SpinMs=5', '--out', dir, '--json', '--mem-profile', path.join(dir, 'mem.ndjson')], {
      env: { COWLOOP_PROGRESS_INTERVAL: '0' },
    });
    assert.equal(r.status, 0, r.stderr);
    const summary = JSON.parse(r.stdout); // throws if anything else was written to stdout
    assert.equal(summary.status, 'ok');
    assert.equal(summary.exitCode, 0);
    assert.equal(summary.eventLoop, 'MpEventLoopMgr');
    assert.equal(summary.processed, 300);
    assert.equal(summary.workers.length, 2);
    assert.deepEqual(summary.workers.map((w) => w.index), [0, 1]);
    // Every event in one row: the workers', or the master's before forking (ForkAfterEvents = "auto").
    assert.equal(summary.workers.reduce((n, w) => n + w.processed, 0) + summary.multiProcess.masterEvents, 300);
    for (const w of summary.workers) {
      assert.ok(w.pid > 0 && w.pid !== summary.masterPid);
      assert.ok(w.peakUssMiB > 0);
    }
    assert.equal(summary.multiProcess.strategy, 'sharedqueue');
    assert.ok(summary.outputs.some((f) => f.endsWith('reco.ndjson')));
    assert.equal(lines(path.join(dir, 'reco.ndjson')).length, 300);
    // The job's messages and the plain progress lines (stderr is a pipe here) are on stderr.
    assert.match(r.stderr, /ApplicationMgr\s+INFO\s+processed 300 events/);
    assert.match(r.stderr, /^cowloop: .*finishing: 300\/300 events \(100%\).* \| w0 \d+ .* \| w1 \d+ /m);
    // --mem-profile: the master and both workers, by pid.
    const mem = lines(path.join(dir, 'mem.ndjson')).map((l) => JSON.parse(l));
    assert.deepEqual([...new Set(mem.map((m) => m.index))].sort(), [-1, 0, 1]);
    const workerPids = new Set(summary.workers.map((w) => w.pid));
    assert.ok(mem.filter((m) => m.index >= 0).every((m) => workerPids.has(m.pid) && m.uss > 0 && m.pss <= m.rss));
  });
});

test('--quiet prints neither progress nor INFO messages', async () => {
  await withDir(async (dir) => {
    const r = await run(['--events', '50', '--out', dir, '--quiet'], { env: { COWLOOP_PROGRESS_INTERVAL: '0' } });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, '');
    assert.equal(lines(path.join(dir, 'reco.ndjson')).length, 50);
  });
});

test('exit codes: 4 when events fail, 3 for a configuration error', async () => {
  await withDir(async (dir) => {
    const [failed, skipped, config] = await Promise.all([
      run(['--events', '20', '--out', path.join(dir, 'a'), '--set', 'FailOn.Events=[5]', '--json']),
      run(['--events', '20', '--out', path.join(dir, 'b'), '--set', 'FailOn.Events=[5,7]', '--set', 'EventLoopMgr.OnError=skip', '--json']),
      run(['--out', path.join(dir, 'c'), '--set', 'TrackFinder.MinHitz=3', '--json']),
    ]);
    assert.equal(failed.status, 4, failed.stderr);
    assert.equal(JSON.parse(failed.stdout).status, 'failed-events');
    assert.match(failed.stderr, /event 5 failed in FailOn/);
    assert.equal(skipped.status, 4, skipped.stderr);
    const s = JSON.parse(skipped.stdout);
    assert.equal(s.processed, 20);
    assert.deepEqual(s.failedEvents.map((e) => e.number), [5, 7]);
    assert.equal(config.status, 3, config.stderr);
    assert.equal(JSON.parse(config.stdout).status, 'error');
    assert.match(config.stderr, /MinHitz/);
  });
});

test('SIGINT in a serial run stops after the current event and exits 130; KeepPartialOutputs writes what was processed', async () => {
  await withDir(async (dir) => {
    let sent = false;
    // Events busy-wait 2 ms each and never yield: the loop must still let the signal in.
    const r = await run(['--out', dir, '--set', 'Pace.SpinMs=2', '--set', 'ApplicationMgr.KeepPartialOutputs=true', '--json'], {
      env: { COWLOOP_PROGRESS_INTERVAL: '0' },
      onStderr: (text, child) => {
        if (!sent && /running: [1-9]\d*\/2000 events/.test(text)) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    assert.ok(sent, r.stderr);
    assert.equal(r.status, 130, r.stderr);
    assert.match(r.stderr, /SIGINT: stopping after the current event/);
    const summary = JSON.parse(r.stdout);
    assert.equal(summary.status, 'interrupted');
    assert.ok(summary.processed > 0 && summary.processed < 2000, String(summary.processed));
    // Stop, finalize, and (asked for) the output holds exactly the events that were processed.
    assert.equal(lines(path.join(dir, 'reco.ndjson')).length, summary.processed);
  });
});

test('--debug-worker: the worker prints its pid and waits before running events', async () => {
  await withDir(async (dir) => {
    let pid = 0;
    let outputsBeforeSignal = true;
    const r = await run(['--workers', '1', '--events', '30', '--out', dir, '--debug-worker', '--json'], {
      onStderr: (text, child) => {
        const m = /worker 0 is pid (\d+); attach now, then: kill -USR1 \1/.exec(text);
        if (!m || pid) return;
        pid = Number(m[1]);
        // The worker re-opens its outputs only once released.
        outputsBeforeSignal = fs.existsSync(runFile(dir, 'worker_0', 'reco.ndjson'));
        // End the run here (the waiting worker dies with its master).
        child.kill('SIGKILL');
      },
    });
    assert.ok(pid > 0, r.stderr);
    assert.equal(r.signal, 'SIGKILL');
    assert.equal(outputsBeforeSignal, false);
  });
});

test('--debug-worker: SIGUSR1 releases the waiting worker', async () => {
  await withDir(async (dir) => {
    let pid = 0;
    const r = await run(['--workers', '1', '--events', '30', '--out', dir, '--debug-worker', '--json'], {
      onStderr: (text, child) => {
        const m = /worker 0 is pid (\d+)/.exec(text);
        if (!m || pid) return;
        pid = Number(m[1]);
        process.kill(pid, 'SIGUSR1');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      },
    });
    assert.equal(r.status, 0, r.stderr);
    const summary = JSON.parse(r.stdout);
    assert.equal(summary.workers[0].pid, pid);
    assert.equal(summary.processed, 30);
  });
});
