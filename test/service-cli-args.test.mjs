// `cowloop work` and `cowloop status --redis` on bad command lines: a clear error naming the
// flag or the directory, the usage or environment exit code, and nothing written. No Redis
// server is needed: each is refused before any connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cowloop, recoOpts } from './helpers/shard-job.mjs';
import { withDir } from './helpers/tmp.mjs';

test('cowloop work refuses a bad --max-range-failures, --redis-wait or --redis URL before anything runs', () =>
  withDir((dir) => {
    const out = path.join(dir, 'job');
    const base = ['work', recoOpts, '--out', out];
    let r = cowloop([...base, '--redis', 'redis://127.0.0.1:1', '--max-range-failures', '0'], dir);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--max-range-failures must be an integer >= 1 \(got "0"\)/);
    r = cowloop([...base, '--redis', 'redis://127.0.0.1:1', '--redis-wait', 'soon'], dir);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--redis-wait must be an integer >= 0 \(got "soon"\)/);
    r = cowloop([...base, '--redis', 'http://127.0.0.1:6379'], dir);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--redis must be a redis:\/\/host:port URL \(got "http:\/\/127.0.0.1:6379"\)/);
    assert.equal(fs.existsSync(out), false, 'nothing written');
  }));

test('cowloop status --redis on a directory with no submitted job names it', () =>
  withDir((dir) => {
    fs.mkdirSync(path.join(dir, 'job'));
    const r = cowloop(['status', path.join(dir, 'job'), '--redis', 'redis://127.0.0.1:1'], dir);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /holds no submitted job \(no job\.json\): --redis needs a job queued with cowloop submit redis/);
  }));
