// The two examples, run as real processes on real files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { root } from './helpers/root.mjs';
import { tmpDir } from './helpers/tmp.mjs';

const run = promisify(execFile);
const example = (p) => path.join(root, 'examples', p);

async function node(args) {
  try {
    const { stdout } = await run(process.execPath, args, { maxBuffer: 1 << 20 });
    return { code: 0, stdout };
  } catch (error) {
    return { code: error.code, stdout: error.stdout, stderr: error.stderr };
  }
}

test('validate-files: damaged files fail with file and reason, the others pass', async (t) => {
  const dir = tmpDir(t);
  await run(process.execPath, [example('validate-files/make-data.mjs'), dir, '3000']);
  const files = fs.readdirSync(dir).sort().map((f) => path.join(dir, f));

  const fast = await node(['--single-threaded', example('validate-files/validate.mjs'), '--workers', '2', ...files]);
  assert.equal(fast.code, 1);
  assert.match(fast.stdout, /FAIL {2}\S+corrupt-g\.ndjson\.gz: gzip stream is damaged: unexpected end of file/);
  assert.match(fast.stdout, /ok {4}\S+events-d\.csv\.gz: 3000 csv records/);
  assert.match(fast.stdout, /fast check: 6 of 7 files passed/);

  const deep = await node(['--single-threaded', example('validate-files/validate.mjs'), '--deep', '--workers', '2', ...files]);
  assert.equal(deep.code, 1);
  assert.match(deep.stdout, /FAIL {2}\S+corrupt-e\.ndjson: line 1501: /);
  assert.match(deep.stdout, /FAIL {2}\S+corrupt-f\.csv: .*line 1001/);
  for (const good of ['events-a.ndjson', 'events-b.csv', 'events-c.ndjson.gz', 'events-d.csv.gz']) {
    assert.match(deep.stdout, new RegExp(`ok {4}\\S+${good.replace(/\./g, '\\.')}: 3000 `));
  }
  assert.match(deep.stdout, /deep check: 4 of 7 files passed/);

  const unsafe = await node([example('validate-files/validate.mjs'), ...files]);
  assert.equal(unsafe.code, 2);
  assert.match(unsafe.stderr, /needs node started with --single-threaded/);
});

test('pi: WorkManager and Pool.map give the same estimate near pi', async () => {
  const { code, stdout } = await node(['--single-threaded', example('pi/pi.mjs'), '--samples', '400000', '--batches', '20', '--workers', '2']);
  assert.equal(code, 0);
  const estimates = [...stdout.matchAll(/pi ~ (\d\.\d+)/g)].map((m) => Number(m[1]));
  assert.equal(estimates.length, 2);
  assert.equal(estimates[0], estimates[1]);
  assert.ok(Math.abs(estimates[0] - Math.PI) < 0.02, `estimate ${estimates[0]}`);
  assert.match(stdout, /Job execution statistics:/);
});
