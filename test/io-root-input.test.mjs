// ROOT TTrees as event input (EventSelector with .root inputs, through the optional jsroot
// package): values, branch vetting, chained files, forked workers on every strategy merging
// byte-identical to the serial run, failures contained (a branch that makes jsroot throw, a
// truncated or corrupt file, OnBadRecord), fork-time state, and the error without jsroot.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Algorithm, createApplication } from 'cowloop';
import { withDir } from './helpers/tmp.mjs';
import { needsRootData, repoRoot, rootFile } from './helpers/root-data.mjs';

const bin = path.join(repoRoot, 'bin', 'cowloop.js');

/** Copies the named branches into the store, for OutputStream to write. */
function dumpOf(items) {
  return class Dump extends Algorithm {
    static typeName = 'Dump';
    execute(ctx) {
      for (const k of items) ctx.store.put(k, ctx.data[k]);
    }
  };
}

/** Runs a job in this process: reads `inputs`, writes the named branches to dump.ndjson. */
async function dump(dir, inputs, items, selector = {}, extra = {}) {
  const app = createApplication({
    options: {
      ApplicationMgr: { TopAlg: ['Dump', 'OutputStream/Out'], OutputDir: dir, ...(extra.ApplicationMgr ?? {}) },
      EventSelector: { Input: inputs, Branches: items, ...selector },
      Out: { Output: 'dump.ndjson', ItemList: items },
      MessageSvc: { OutputLevel: 'WARNING' },
    },
    components: [dumpOf(items)],
  });
  const summary = await app.run();
  return { summary, lines: fs.readFileSync(path.join(dir, 'dump.ndjson'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l)) };
}

/** A job whose input cannot be used: exit 1 or 3 (an initialize failure is reported as the component's). */
function assertRefused(r, message) {
  assert.ok(r.status === 1 || r.status === 3, `exit ${r.status}: ${r.stderr}`);
  assert.match(r.stderr, message);
}

/** `cowloop run <opts> args...` as a process. */
function cli(args, options = {}) {
  const r = spawnSync(process.execPath, ['--single-threaded', bin, 'run', ...args], { encoding: 'utf8', timeout: 120000, cwd: repoRoot, ...options });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const MUONS = ['NMuon', 'Muon_Px', 'Muon_Py', 'Muon_Pz', 'Muon_E', 'Muon_Charge', 'Muon_Iso', 'Jet_ID', 'triggerIsoMu24', 'MET_px', 'EventWeight'];

test('HZZ: the same values from zlib, lz4, zstd, lzma and uncompressed files; jagged branches are typed arrays', needsRootData, async () => {
  await withDir(async (dir) => {
    const outs = [];
    for (const variant of ['', '-lz4', '-zstd', '-lzma', '-uncompressed']) {
      const { summary, lines } = await dump(path.join(dir, variant || 'zlib'), [rootFile(`uproot-HZZ${variant}.root`)], MUONS);
      assert.equal(summary.processed, 2421);
      outs.push(JSON.stringify(lines));
    }
    for (const o of outs.slice(1)) assert.equal(o, outs[0], 'every compression gives the same records');
    const lines = JSON.parse(outs[0]);
    assert.deepEqual(lines.map((l) => l.event), Array.from({ length: 2421 }, (_, i) => i));
    // Jagged branches hold NMuon values each; charges are +-1; booleans stay booleans.
    for (const l of lines) {
      assert.equal(l.Muon_Px.length, l.NMuon);
      assert.ok(l.Muon_Charge.every((q) => q === 1 || q === -1));
      assert.equal(typeof l.triggerIsoMu24, 'boolean');
    }
    assert.deepEqual(lines[0].Muon_Charge, [1, -1]);
  });

  // In the event record itself (what an algorithm sees): typed arrays, new for every entry.
  const seen = [];
  class Keep extends Algorithm {
    static typeName = 'Keep';
    execute(ctx) {
      seen.push(ctx.data);
    }
  }
  await withDir(async (dir) => {
    const app = createApplication({
      options: { ApplicationMgr: { TopAlg: ['Keep'], OutputDir: dir, EvtMax: 300 }, EventSelector: { Input: [rootFile('uproot-HZZ.root')], Branches: ['NMuon', 'Muon_Px', 'Muon_Charge', 'Jet_ID'] }, MessageSvc: { OutputLevel: 'WARNING' } },
      components: [Keep],
    });
    await app.run();
  });
  assert.equal(seen.length, 300);
  assert.ok(seen[0].Muon_Px instanceof Float32Array && seen[0].Muon_Charge instanceof Int32Array && seen[0].Jet_ID instanceof Uint8Array);
  assert.notEqual(seen[0], seen[1]);
  assert.notEqual(seen[0].Muon_Px, seen[2].Muon_Px);
  assert.deepEqual(Object.keys(seen[0]), ['NMuon', 'Muon_Px', 'Muon_Charge', 'Jet_ID']);
});

test('every numeric type as scalar, [3] array and [n] jagged array, and strings; ROOT 5.30 and 6.20 files agree', needsRootData, async () => {
  const items = ['n', 'b', 'ab', 'Ab', 'i1', 'Ai1', 'u1', 'au1', 'Au1', 'i2', 'ai2', 'Ai2', 'u2', 'i4', 'ai4', 'Ai4', 'u4', 'i8', 'ai8', 'Ai8', 'u8', 'au8', 'Au8', 'f8', 'af8', 'Af8', 'str'];
  await withDir(async (dir) => {
    const outs = {};
    for (const name of ['uproot-sample-6.20.04-zlib.root', 'uproot-sample-6.20.04-lz4.root', 'uproot-sample-6.20.04-lzma.root', 'uproot-sample-6.20.04-uncompressed.root', 'uproot-sample-5.30.00-zlib.root']) {
      outs[name] = (await dump(path.join(dir, name), [rootFile(name)], items)).lines;
    }
    const lines = outs['uproot-sample-6.20.04-zlib.root'];
    for (const [name, other] of Object.entries(outs)) assert.deepEqual(other, lines, `${name} differs`);
    assert.equal(lines.length, 30);
    for (const [k, l] of lines.entries()) {
      // The files' known content: entry k holds k - 15 (signed), k (unsigned), n = k % 5 values in the jagged arrays.
      assert.equal(l.n, k % 5);
      assert.equal(l.i1, k - 15);
      assert.equal(l.i4, k - 15);
      assert.equal(l.i8, k - 15);
      assert.equal(l.u8, k);
      assert.equal(l.str, `hey-${k}`);
      assert.deepEqual(l.ai4, [k - 14, k - 13, k - 12]);
      assert.deepEqual(l.au1, [k + 1, k + 2, k + 3]);
      assert.equal(l.Ai1.length, l.n);
      assert.equal(l.Af8.length, l.n);
      assert.ok(Math.abs(l.f8 - (k - 14.9)) < 1e-9);
      assert.equal(typeof l.b, 'boolean');
    }
  });
});

test('branches cowloop does not read: skipped by default and named; an error naming branch and type when asked for', needsRootData, async () => {
  await withDir(async (dir) => {
    // Default: every readable branch; ai1 (Char_t[3], which jsroot reads as text) is left out.
    const app = createApplication({
      options: { ApplicationMgr: { TopAlg: [], OutputDir: dir }, EventSelector: { Input: [rootFile('uproot-sample-6.20.04-zlib.root')] }, MessageSvc: { OutputLevel: 'WARNING' } },
    });
    await app.configure();
    await app.initialize();
    const first = await app.component('EventSelector').read(0);
    assert.equal(Object.keys(first.data).length, 34);
    assert.ok(!('ai1' in first.data));
    await app.finalize();

    const cases = [
      ['uproot-sample-6.20.04-zlib.root', { Branches: ['n', 'ai1'] }, /branch "ai1" \(Char_t\[3\]\) cannot be read: fixed-size Char_t arrays/],
      ['uproot-HZZ-objects.root', { Branches: ['MET'] }, /branch "MET" \(TVector2\) cannot be read/],
      ['uproot-double32-float16.root', { Branches: [] }, /tree "tree" has no branch cowloop can read: double32_32 \(Double32_t/],
      ['uproot-HZZ.root', { Branches: ['NMuon', 'Muon_Mass'] }, /has no branch "Muon_Mass" \(EventSelector.Branches\); its branches: NJet, Jet_Px/],
      ['uproot-HZZ.root', { TreeName: 'tree' }, /cannot read tree "tree".*TTrees in the file: events/],
      ['uproot-issue-172.root', { Branches: ['rec_part_px_VecOps'] }, /branch "rec_part_px_VecOps" \(vector<float,ROOT::Detail::VecOps::RAdoptAllocator<float> >\) cannot be read/],
    ];
    for (const [file, selector, message] of cases) {
      const r = cli([path.join(repoRoot, 'test', 'fixtures', 'io', 'root-dump.opts'), '--out', dir, '-s', `EventSelector.Input=${JSON.stringify([rootFile(file)])}`,
        ...Object.entries(selector).map(([k, v]) => ['-s', `EventSelector.${k}=${JSON.stringify(v)}`]).flat()]);
      assertRefused(r, message);
    }
  });
});

test('a branch that makes jsroot throw where nobody waits is an error naming file, tree, branch and entry, not a dead process', needsRootData, async () => {
  await withDir((dir) => {
    // RootUnvetted lets the vector with a custom allocator through: jsroot throws inside a
    // promise it does not await (the process would die of the unhandled rejection).
    const r = cli([path.join(repoRoot, 'test', 'fixtures', 'io', 'root-dump.opts'), '--out', dir,
      '-s', `EventSelector.Input=${JSON.stringify([rootFile('uproot-issue-172.root')])}`,
      '-s', 'EventSelector.Branches=["rec_part_px","rec_part_px_VecOps"]', '-s', 'EventSelector.RootUnvetted=true']);
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /uproot-issue-172\.root: tree "events", entry 0 cannot be read.*branch "rec_part_px_VecOps" \(vector<float,ROOT::Detail::VecOps::RAdoptAllocator<float> >\)/);
    assert.match(r.stderr, /ERR_COWLOOP_IO_BAD_RECORD/);
    assert.ok(!fs.existsSync(path.join(dir, 'dump.ndjson')), 'no output from a failed run');
  });
});

test('truncated and corrupt files: clear errors; OnBadRecord = "skip" skips the bad basket\'s entries, serially and with workers alike', needsRootData, async () => {
  await withDir((dir) => {
    const original = fs.readFileSync(rootFile('uproot-HZZ.root'));
    const truncated = path.join(dir, 'truncated.root');
    fs.writeFileSync(truncated, original.subarray(0, 100000));
    const corrupt = path.join(dir, 'corrupt.root');
    const bytes = Buffer.from(original);
    for (let i = 60000; i < 60400; i++) bytes[i] ^= 0x5a; // inside the Muon_E basket
    fs.writeFileSync(corrupt, bytes);
    const opts = path.join(repoRoot, 'test', 'fixtures', 'io', 'root-dump.opts');
    const input = (f) => ['-s', `EventSelector.Input=${JSON.stringify([f])}`, '-s', 'EventSelector.Branches=[]'];

    let r = cli([opts, '--out', path.join(dir, 't'), ...input(truncated)]);
    assertRefused(r, /truncated\.root is not a readable ROOT file: .*ROOT asks for bytes \d+\.\.\d+ but the file has 100000 bytes \(truncated or corrupt\?\)/);

    r = cli([opts, '--out', path.join(dir, 'c'), ...input(corrupt)]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /corrupt\.root: tree "events", entry 6 cannot be read \(entries 6\.\.2230 share its bad basket\): branch "Muon_E" \(Float_t\[NMuon\]\), basket of entries 0\.\.2230/);
    assert.ok(!fs.existsSync(path.join(dir, 'c', 'dump.ndjson')));

    for (const workers of [0, 2]) {
      const out = path.join(dir, `skip-${workers}`);
      r = cli([opts, '--out', out, ...input(corrupt), '-s', 'EventSelector.OnBadRecord="skip"', '--workers', String(workers), '--strategy', 'sharedqueue', '--progress', 'none']);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /2225 bad input records were skipped \(EventSelector.OnBadRecord = "skip"\): events 6, 7, 8, 9,/);
      assert.equal(fs.readFileSync(path.join(out, 'dump.ndjson'), 'utf8').split('\n').length - 1, 2421 - 2225);
    }
    assert.ok(fs.readFileSync(path.join(dir, 'skip-0', 'dump.ndjson')).equals(fs.readFileSync(path.join(dir, 'skip-2', 'dump.ndjson'))));
  });
});

test('the HZZ example: Z candidates and histograms, serial and with 2 workers on every strategy, merged byte-identical', needsRootData, async () => {
  await withDir((dir) => {
    const input = ['-s', `EventSelector.Input=${JSON.stringify([rootFile('uproot-HZZ.root')])}`];
    const serial = cli([path.join(repoRoot, 'examples', 'hzz', 'hzz.opts'), '--out', path.join(dir, 'serial'), '-q', ...input]);
    assert.equal(serial.status, 0, serial.stderr);
    const records = fs.readFileSync(path.join(dir, 'serial', 'z-candidates.ndjson'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.equal(records.length, 2421);
    const z = records.filter((r) => r.zMass !== null);
    assert.ok(z.length > 1000 && z.every((r) => r.zMass > 0 && r.nPairs >= 1 && r.Muon_Charge.length === r.nMuons));
    const histos = JSON.parse(fs.readFileSync(path.join(dir, 'serial', 'hzz-histos.json'), 'utf8'));
    assert.match(JSON.stringify(histos), /hzz\/dimuon_mass/);
    for (const strategy of ['ranges', 'sharedqueue', 'roundrobin', 'files']) {
      const out = path.join(dir, strategy);
      const r = cli([path.join(repoRoot, 'examples', 'hzz', 'hzz-mp.opts'), '--out', out, '-q', '--strategy', strategy, '-s', 'MpEventLoopMgr.ChunkSize=300', ...input]);
      assert.equal(r.status, 0, `${strategy}: ${r.stderr}`);
      for (const f of ['z-candidates.ndjson', 'hzz-histos.json']) {
        assert.ok(fs.readFileSync(path.join(out, f)).equals(fs.readFileSync(path.join(dir, 'serial', f))), `${strategy}: ${f} differs from the serial run's`);
      }
    }
  });
});

test('chained files: event numbers run on; 2 workers on the files strategy give the serial output; int64 and bool of a 1,000,000-entry tree by range', needsRootData, async () => {
  await withDir((dir) => {
    const opts = path.join(repoRoot, 'test', 'fixtures', 'io', 'root-dump.opts');
    const inputs = ['-s', `EventSelector.Input=${JSON.stringify([rootFile('uproot-HZZ-lz4.root'), rootFile('uproot-HZZ-zstd.root')])}`, '-s', 'EventSelector.Branches=["NMuon","Muon_E"]', '-s', 'Out.ItemList=["NMuon","Muon_E"]'];
    const serial = cli([opts, '--out', path.join(dir, 's'), '-q', ...inputs]);
    assert.equal(serial.status, 0, serial.stderr);
    const lines = fs.readFileSync(path.join(dir, 's', 'dump.ndjson'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 4842);
    assert.deepEqual(lines.slice(2421).map((l) => ({ ...l, event: l.event - 2421 })), lines.slice(0, 2421), 'the second file repeats the first, numbered on');
    const mp = cli([opts, '--out', path.join(dir, 'm'), '-q', '--workers', '2', '--strategy', 'files', ...inputs]);
    assert.equal(mp.status, 0, mp.stderr);
    assert.ok(fs.readFileSync(path.join(dir, 'm', 'dump.ndjson')).equals(fs.readFileSync(path.join(dir, 's', 'dump.ndjson'))));

    // The 1M-entry file: the last 100,000 entries (SkipEvents) on 2 workers by range, equal to serial.
    const big = ['-s', `EventSelector.Input=${JSON.stringify([rootFile('uproot-issue412.root')])}`, '-s', 'EventSelector.Branches=["b1","b2"]', '-s', 'Out.ItemList=["b1","b2"]', '-s', 'EventSelector.SkipEvents=900000'];
    const s2 = cli([opts, '--out', path.join(dir, 'bs'), '-q', ...big]);
    assert.equal(s2.status, 0, s2.stderr);
    const m2 = cli([opts, '--out', path.join(dir, 'bm'), '-q', '--workers', '2', '--strategy', 'ranges', '-s', 'MpEventLoopMgr.ChunkSize=10000', ...big]);
    assert.equal(m2.status, 0, m2.stderr);
    const text = fs.readFileSync(path.join(dir, 'bs', 'dump.ndjson'), 'utf8');
    assert.ok(fs.readFileSync(path.join(dir, 'bm', 'dump.ndjson'), 'utf8') === text);
    const recs = text.trimEnd().split('\n');
    assert.equal(recs.length, 100000);
    assert.match(recs[0], /^\{"event":900000,"b1":-?\d+,"b2":(true|false)\}$/);
  });
});

test('at the fork: no jsroot listener, handle or descriptor is left in the master; each worker reads through its own descriptor', needsRootData, async () => {
  const { fork } = await import('cowloop');
  const input = rootFile('uproot-HZZ-zstd.root'); // zstd: its decompressor installs process listeners when it starts
  const listeners = () => ['uncaughtException', 'unhandledRejection'].map((e) => process.listenerCount(e));
  const before = listeners();
  const fdsOn = () => fs.readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`) === input;
    } catch {
      return false;
    }
  });
  await withDir(async (dir) => {
    const app = createApplication({
      options: { ApplicationMgr: { TopAlg: [], OutputDir: dir }, EventSelector: { Input: [input], Branches: ['NMuon', 'Muon_E'] }, MessageSvc: { OutputLevel: 'WARNING' } },
    });
    await app.configure();
    await app.initialize();
    const selector = app.component('EventSelector');
    selector.open();
    const first = await selector.read(2000); // a zstd basket read in the master
    selector.close();
    assert.deepEqual(listeners(), before, 'the zstd decompressor left no process listener');
    assert.deepEqual(fdsOn(), [], 'the master closed the file before the fork');
    // fork() itself refuses while async work other than its own is pending (a read left in flight).

    const children = [];
    for (let w = 0; w < 2; w++) {
      children.push(await fork(async () => {
        selector.ioReinit({ workerIndex: w, workerDir: dir });
        const fds = fdsOn();
        const records = [];
        for (let n = 1000 + w; n < 2421; n += 2) records.push(await selector.read(n));
        selector.ioFinalize();
        return { fds, muons: records.map((r) => r.data.NMuon), e2000: w === 0 ? Array.from(records[500].data.Muon_E) : [] };
      }));
    }
    const results = await Promise.all(children.map((c) => c.result));
    for (const c of children) assert.deepEqual(await c.exited, { code: 0, signal: null });
    for (const r of results) assert.equal(r.fds.length, 1, 'one descriptor of its own in each worker');
    assert.deepEqual(results[0].e2000, Array.from(first.data.Muon_E), 'the worker reads the values the master read');
    // Together the workers read entries 1000..2420 once each.
    assert.equal(results[0].muons.length + results[1].muons.length, 1421);
    await app.finalize();
  });
});

test('typed arrays and int64 values above 2^53 are written as JSON arrays and numbers (NDJSON and CSV)', async () => {
  class Wide extends Algorithm {
    static typeName = 'Wide';
    execute(ctx) {
      ctx.store.put('f', new Float32Array([0.5, ctx.number]));
      ctx.store.put('q', new BigInt64Array([2n ** 60n + BigInt(ctx.number), -1n]));
      ctx.store.put('mixed', [1, 2n ** 55n]);
      ctx.store.put('big', 2n ** 62n);
    }
  }
  await withDir(async (dir) => {
    for (const ext of ['ndjson', 'csv']) {
      const app = createApplication({
        options: {
          ApplicationMgr: { TopAlg: ['Wide', 'OutputStream/Out'], OutputDir: dir },
          EventSelector: { Input: ['generator:2'] },
          Out: { Output: `wide.${ext}`, ItemList: ['f', 'q', 'mixed', 'big'] },
          MessageSvc: { OutputLevel: 'WARNING' },
        },
        components: [Wide],
      });
      await app.run();
    }
    assert.equal(
      fs.readFileSync(path.join(dir, 'wide.ndjson'), 'utf8'),
      '{"event":0,"f":[0.5,0],"q":[1152921504606846976,-1],"mixed":[1,36028797018963968],"big":4611686018427387904}\n' +
        '{"event":1,"f":[0.5,1],"q":[1152921504606846977,-1],"mixed":[1,36028797018963968],"big":4611686018427387904}\n',
    );
    assert.equal(
      fs.readFileSync(path.join(dir, 'wide.csv'), 'utf8'),
      'event,f,q,mixed,big\n0,"[0.5,0]","[1152921504606846976,-1]","[1,36028797018963968]",4611686018427387904\n' +
        '1,"[0.5,1]","[1152921504606846977,-1]","[1,36028797018963968]",4611686018427387904\n',
    );
  });
});

test('without the jsroot package a .root input is an error naming the package', needsRootData, async () => {
  await withDir((dir) => {
    // A copy of the package whose node_modules has everything but jsroot.
    const pkg = path.join(dir, 'node_modules', 'cowloop');
    fs.mkdirSync(pkg, { recursive: true });
    for (const f of ['package.json', 'bin', 'dist']) fs.cpSync(path.join(repoRoot, f), path.join(pkg, f), { recursive: true });
    fs.symlinkSync(path.join(repoRoot, 'build'), path.join(pkg, 'build'));
    for (const dep of fs.readdirSync(path.join(repoRoot, 'node_modules'))) {
      if (dep === 'jsroot' || dep.startsWith('.')) continue;
      fs.symlinkSync(path.join(repoRoot, 'node_modules', dep), path.join(dir, 'node_modules', dep));
    }
    const job = path.join(dir, 'job.opts');
    fs.writeFileSync(job, `ApplicationMgr.TopAlg = {};\nEventSelector.Input = { ${JSON.stringify(rootFile('uproot-HZZ.root'))} };\n`);
    const r = spawnSync(process.execPath, ['--single-threaded', path.join(pkg, 'bin', 'cowloop.js'), 'run', job, '--out', path.join(dir, 'out')], { encoding: 'utf8', cwd: dir, timeout: 60000 });
    assertRefused(r, /reading ROOT files \(.*uproot-HZZ\.root\) needs the optional package jsroot \(\^7\.11\.2\), which is not installed: run "npm install jsroot@\^7\.11\.2"/);
    assert.match(r.stderr, /ERR_COWLOOP_IO_MISSING_PACKAGE|ERR_COWLOOP_COMPONENT_FAILED/);
  });
});
