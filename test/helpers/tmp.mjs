// Fresh temporary directories that are always removed: for one call (withDir), for one
// test (tmpDir) or for every test of a file (suiteDir). They are made under the real path
// of the system's temporary folder, so paths a command prints compare equal to them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';

/** Makes a new directory named `<prefix>XXXXXX` in the temporary folder. */
export function makeDir(prefix = 'cowloop-') {
  return fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), prefix));
}

function removeDir(dir) {
  // Retried: a process that has just been killed may still be closing files in it.
  fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
}

/**
 * Calls `fn(dir)` with a new directory and removes it afterwards. When `fn` returns a
 * promise, the directory is removed once it settles and that promise's outcome is returned.
 */
export function withDir(fn, prefix) {
  const dir = makeDir(prefix);
  let result;
  try {
    result = fn(dir);
  } catch (err) {
    removeDir(dir);
    throw err;
  }
  if (result && typeof result.then === 'function') {
    return Promise.resolve(result).finally(() => removeDir(dir));
  }
  removeDir(dir);
  return result;
}

/** A new directory removed when the node:test test `t` ends. */
export function tmpDir(t, prefix) {
  const dir = makeDir(prefix);
  t.after(() => removeDir(dir));
  return dir;
}

/** A new directory removed after the last test of the file; call it at the top level. */
export function suiteDir(prefix) {
  const dir = makeDir(prefix);
  after(() => removeDir(dir));
  return dir;
}
