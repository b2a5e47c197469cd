// A fresh temporary directory for the duration of `fn`, removed afterwards.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function withDir(fn) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cowloop-'));
  try {
    return fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
