// The public API's type declarations, compiled as a user's ESM TypeScript file would be.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { root } from './helpers/root.mjs';

test('the public API type-checks from an ESM TypeScript file', () => {
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const file = path.join(root, 'test', 'types', 'public-api.mts');
  const r = spawnSync(process.execPath, [tsc, '--noEmit', '--strict', '--module', 'node16', '--moduleResolution', 'node16',
    '--target', 'es2022', '--types', 'node', '--skipLibCheck', file], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
