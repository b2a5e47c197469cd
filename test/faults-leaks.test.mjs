// No leaks: 300 forks from one master leave its descriptor count unchanged and its memory
// flat, with no child left unreaped. (The 1,000-fork figure in docs/reliability.md comes
// from the same fixture: node --single-threaded --expose-gc test/fixtures/faults/fork-leaks.mjs 1000.)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { noWorkersLeft, taggedEnv } from './fixtures/faults/helpers.mjs';
import { root } from './helpers/root.mjs';

const fixture = path.join(root, 'test', 'fixtures', 'faults', 'fork-leaks.mjs');

after(() => noWorkersLeft());

test('300 forks from one process: descriptors unchanged, memory flat, no zombie', () => {
  const r = spawnSync(process.execPath, ['--single-threaded', '--expose-gc', fixture, '300'], { encoding: 'utf8', timeout: 120000, env: taggedEnv() });
  assert.equal(r.status, 0, r.stderr);
  const { samples } = JSON.parse(r.stdout);
  const first = samples[0];
  const last = samples[samples.length - 1];
  assert.equal(last.forks, 300);
  for (const s of samples) {
    assert.equal(s.fds, first.fds, `descriptors after ${s.forks} forks: ${s.fds}, after ${first.forks}: ${first.fds}`);
    assert.equal(s.children, 0, `children left after ${s.forks} forks`);
  }
  // Flat: a leak of even 10 KB per fork would add ~2.6 MB over the 260 forks measured.
  assert.ok(last.heapUsedMiB - first.heapUsedMiB < 1, JSON.stringify(samples));
  assert.ok(last.externalMiB - first.externalMiB < 1, JSON.stringify(samples));
  assert.ok(last.rssMiB - first.rssMiB < 8, JSON.stringify(samples));
});
