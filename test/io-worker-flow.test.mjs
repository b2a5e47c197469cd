// The I/O side of a multi-process run, driven by hand through real forks: the master
// indexes the input and opens its output, each forked worker re-opens the input (its own
// descriptor), writes to its own directory and reads only its events, and the master
// merges the worker files into one equal, byte for byte, to the serial run's.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Algorithm, createApplication, fork } from 'cowloop';
import { withDir } from './helpers/tmp.mjs';

class Scale extends Algorithm {
  execute(ctx) {
    ctx.store.put('x2', ctx.data.x * 2);
    ctx.store.put('label', `e${ctx.number}, "${ctx.data.name}"`);
  }
}

function job(dir, input, format, extra = {}) {
  return {
    ApplicationMgr: { TopAlg: ['Scale', 'OutputStream/Out'], OutputDir: dir },
    EventSelector: { Input: [input] },
    Out: { Output: `out.${format}`, ItemList: ['x2', 'label'] },
    MessageSvc: { OutputLevel: 'WARNING' },
    ...extra,
  };
}

function writeInput(file, n) {
  const rows = ['x,name'];
  for (let i = 0; i < n; i++) rows.push(`${i * 1.5},"n,${i}"`);
  fs.writeFileSync(file, `${rows.join('\n')}\n`);
}

/** Descriptors of this process open on `file`. */
function fdsOn(file) {
  const target = fs.realpathSync(file);
  return fs.readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`) === target;
    } catch {
      return false;
    }
  });
}

for (const format of ['ndjson', 'csv']) {
  test(`${format}: 3 forked workers, round-robin reads, per-worker outputs, merge equal to serial`, async () => {
    await withDir(async (dir) => {
      const input = path.join(dir, 'in.csv');
      writeInput(input, 500);

      const serial = createApplication({ options: job(path.join(dir, 'serial'), input, format), components: [Scale] });
      const summary = await serial.run();
      assert.equal(summary.processed, 500);
      assert.ok(summary.outputs.includes(path.join(dir, 'serial', `out.${format}`)));

      const app = createApplication({ options: job(path.join(dir, 'mp'), input, format), components: [Scale] });
      await app.configure();
      await app.initialize();
      await app.start();
      const selector = app.component('EventSelector');
      const stream = app.component('Out');
      const parentFds = fdsOn(input);
      assert.equal(parentFds.length, 1, 'the master holds the input open once');

      const N = 3;
      const workerDirs = [];
      const children = [];
      for (let w = 0; w < N; w++) {
        const workerDir = path.join(dir, 'mp', 'workers', `worker_${w}`);
        fs.mkdirSync(workerDir, { recursive: true });
        workerDirs.push(workerDir);
        children.push(
          await fork(async () => {
            selector.ioReinit({ workerIndex: w, workerDir });
            stream.ioReinit({ workerIndex: w, workerDir });
            const fds = fdsOn(input);
            selector.select(w, N);
            const seen = [];
            for (let r = selector.next(); r !== null; r = selector.next()) {
              await app.eventLoop.executeEvent(r);
              seen.push(r.number);
            }
            selector.ioFinalize();
            stream.ioFinalize();
            return { fds, seen };
          }),
        );
      }
      const results = await Promise.all(children.map((c) => c.result));
      for (const c of children) assert.deepEqual(await c.exited, { code: 0, signal: null });
      results.forEach(({ fds, seen }, w) => {
        assert.equal(fds.length, 1, `worker ${w} has one descriptor on the input`);
        assert.notEqual(fds[0], parentFds[0], `worker ${w} reads through its own descriptor, not the inherited one`);
        assert.ok(seen.length > 0 && seen.every((e) => e % N === w), `worker ${w} read only its events`);
      });
      assert.equal(results.reduce((s, r) => s + r.seen.length, 0), 500);

      const stats = stream.mergeWorkerOutputs(workerDirs, { removeInputs: true });
      assert.equal(stats.records, 500);
      await app.stop();
      await app.finalize();
      const merged = fs.readFileSync(path.join(dir, 'mp', `out.${format}`));
      assert.ok(merged.equals(fs.readFileSync(path.join(dir, 'serial', `out.${format}`))), 'merged output differs from the serial one');
      for (const d of workerDirs) assert.deepEqual(fs.readdirSync(d), [], 'worker files removed after a successful merge');
    });
  });
}

test('EventSelector: generator input, SkipEvents and EvtMax; OutputStream options are checked', async () => {
  await withDir(async (dir) => {
    class Copy extends Algorithm {
      execute(ctx) {
        ctx.store.put('n', ctx.data.n);
      }
    }
    const options = {
      ApplicationMgr: { TopAlg: ['Copy', 'OutputStream/Out'], OutputDir: dir, EvtMax: 4 },
      EventSelector: { Input: ['generator:100'], SkipEvents: 10 },
      Out: { Output: 'gen.ndjson', ItemList: ['n'] },
      MessageSvc: { OutputLevel: 'WARNING' },
    };
    const summary = await createApplication({ options, components: [Copy] }).run();
    assert.equal(summary.processed, 4);
    const lines = fs.readFileSync(path.join(dir, 'gen.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => l.event), [10, 11, 12, 13]);
    assert.ok(lines.every((l) => Number.isInteger(l.n)));

    const bad = { ...options, Out: { Output: 'gen.txt', ItemList: ['n'] } };
    await assert.rejects(createApplication({ options: bad, components: [Copy] }).run(), /gen\.txt/);
    const reserved = { ...options, Out: { Output: 'x.csv', ItemList: ['event'] } };
    await assert.rejects(createApplication({ options: reserved, components: [Copy] }).run(), /must not name "event"/);
    const noInput = { ...options, EventSelector: { Input: [] } };
    await assert.rejects(createApplication({ options: noInput, components: [Copy] }).run(), /EventSelector\.Input is empty/);
  });
});
