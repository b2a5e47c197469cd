// A full disk, simulated with a file-size limit (RLIMIT_FSIZE, `ulimit -f`): node ignores
// SIGXFSZ, so a write past the limit fails with EFBIG and cowloop reports it. The job
// fails with a clear error, keeps every per-worker output, leaves no half-written merged
// file and no temporary file, and `cowloop merge` finishes the merge later.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { noWorkersLeft, taggedEnv } from './fixtures/faults/helpers.mjs';
import { root, bin } from './helpers/root.mjs';
import { suiteDir } from './helpers/tmp.mjs';

const job = path.join(root, 'test', 'fixtures', 'evtloop', 'job.opts');
const EVENTS = 200;
const tmp = suiteDir('cowloop-faults-disk-');
let input;
let serial;

/** Runs cowloop with a file-size limit of `kib` KiB (none when undefined). */
function cowloop(args, kib) {
  const argv = kib === undefined ? [process.execPath, bin, ...args] : ['bash', '-c', `ulimit -f ${kib}; exec "$0" "$@"`, process.execPath, bin, ...args];
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: 60000, env: taggedEnv() });
  return { ...r, text: r.stdout + r.stderr };
}

function runJob(name, workers, kib) {
  const dir = path.join(tmp, name);
  const r = cowloop(['run', job, '--out', dir, '--workers', String(workers), '--strategy', 'roundrobin',
    '--set', `EventSelector.Input=${JSON.stringify([input])}`, '--set', `RecoInputSvc.File=${JSON.stringify(input)}`,
    '--set', `RecoInputSvc.Events=${EVENTS}`, '--set', `FdProbe.Report=${JSON.stringify(dir)}`], kib);
  return { ...r, dir };
}

function filesUnder(dir) {
  return fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}

before(() => {
  input = path.join(tmp, 'hits.ndjson');
  const gen = spawnSync(process.execPath, [path.join(root, 'examples', 'reco', 'make-input.js'), '--events', String(EVENTS), '--out', input], { encoding: 'utf8' });
  assert.equal(gen.status, 0, gen.stderr);
  serial = runJob('serial', 0);
  assert.equal(serial.status, 0, serial.text);
  // The limits below rely on these sizes: each worker's share (a quarter) fits in 8 KiB, the merged file does not.
  const size = fs.statSync(path.join(serial.dir, 'reco.ndjson')).size;
  assert.ok(size > 12 * 1024 && size / 4 < 7 * 1024, `reco.ndjson is ${size} bytes`);
});

after(() => {
  noWorkersLeft();
});

test('disk full while merging: clear error, every part kept, no merged file, and cowloop merge finishes it later', () => {
  const r = runJob('merge-full', 4, 8);
  assert.equal(r.signal, null, 'not killed by SIGXFSZ');
  assert.equal(r.status, 1, r.text); // the run failed (not the job's configuration)
  assert.match(r.text, /merging into .*reco\.ndjson failed, the inputs are kept: EFBIG: file too large/);
  assert.match(r.text, /ERR_COWLOOP_IO_MERGE/);
  assert.equal(fs.existsSync(path.join(r.dir, 'reco.ndjson')), false, 'no half-written merged file');
  const files = filesUnder(r.dir);
  assert.deepEqual(files.filter((f) => /tmp|partial/.test(f)), [], 'no temporary file left');
  for (let w = 0; w < 4; w++) assert.ok(files.some((f) => f.match(/^workers\/[^/]+\/(worker_\d)\/reco\.ndjson$/)?.[1] === `worker_${w}`), `worker ${w} output kept: ${files}`);
  // A merged file that did fit (the histograms) is whole: equal to the serial one.
  if (files.includes('reco-histos.json')) {
    assert.equal(fs.readFileSync(path.join(r.dir, 'reco-histos.json'), 'utf8'), fs.readFileSync(path.join(serial.dir, 'reco-histos.json'), 'utf8'));
  }

  // The error names the command that finishes the merge; run it, with room this time.
  const command = /cowloop merge (\S+(?: \S+)*?) -o (\S+?)\.?(?:\s|$)/.exec(r.text);
  assert.ok(command, r.text);
  const args = [...command[1].split(' '), '-o', command[2]];
  const again = cowloop(['merge', ...args]);
  assert.equal(again.status, 0, again.text);
  assert.equal(fs.readFileSync(path.join(r.dir, 'reco.ndjson'), 'utf8'), fs.readFileSync(path.join(serial.dir, 'reco.ndjson'), 'utf8'));
});

test('disk full while the workers write: the job fails naming the file and EFBIG, worker outputs kept, nothing at Output', () => {
  const r = runJob('worker-full', 4, 2);
  assert.equal(r.signal, null, 'not killed by SIGXFSZ');
  // Records are buffered: the write that fails is a flush of the worker's reco.ndjson or of
  // its event-order file, an output error naming the file (exit 1, as the guide's table
  // gives a full disk), not a failed event.
  assert.equal(r.status, 1, r.text);
  assert.match(r.text, /ERR_COWLOOP_IO_OUTPUT/);
  assert.match(r.text, /worker \d \(pid \d+\) failed: .*cannot write to .*workers\/[^/]+\/worker_\d\/.*EFBIG: file too large/);
  const files = filesUnder(r.dir);
  assert.equal(files.includes('reco.ndjson'), false, files.join(' '));
  assert.deepEqual(files.filter((f) => /tmp|partial/.test(f)), [], 'no temporary file left');
  assert.ok(files.filter((f) => /^workers\/[^/]+\/worker_\d\/reco\.ndjson$/.test(f)).length >= 1, files.join(' '));
  assert.doesNotMatch(r.text, /died \d+ times|killed by SIGXFSZ/);
});

test('disk full in cowloop merge itself: clear error, no output, no temporary file; inputs untouched', () => {
  const done = runJob('merge-by-hand', 4, undefined);
  assert.equal(done.status, 0, done.text);
  const out = path.join(tmp, 'by-hand');
  fs.mkdirSync(out);
  const parts = [0, 1, 2].map((i) => {
    const f = path.join(out, `part${i}.ndjson`);
    const lines = fs.readFileSync(path.join(done.dir, 'reco.ndjson'), 'utf8').trimEnd().split('\n');
    fs.writeFileSync(f, lines.filter((_, k) => k % 3 === i).join('\n') + '\n');
    return f;
  });
  const before = parts.map((f) => fs.readFileSync(f, 'utf8'));
  const target = path.join(out, 'all.ndjson');
  const r = cowloop(['merge', ...parts, '-o', target], 4);
  assert.equal(r.signal, null);
  assert.notEqual(r.status, 0, r.text);
  assert.match(r.text, /EFBIG: file too large/);
  assert.deepEqual(fs.readdirSync(out).sort(), ['part0.ndjson', 'part1.ndjson', 'part2.ndjson']);
  assert.deepEqual(parts.map((f) => fs.readFileSync(f, 'utf8')), before);
  const again = cowloop(['merge', ...parts, '-o', target]);
  assert.equal(again.status, 0, again.text);
  assert.equal(fs.readFileSync(target, 'utf8'), fs.readFileSync(path.join(done.dir, 'reco.ndjson'), 'utf8'));
});
