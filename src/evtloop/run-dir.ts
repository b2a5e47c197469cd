// Each multi-process run keeps its workers' files in a directory of its own,
// <WorkerDir>/<run id>/, so it never deletes what another run (or a person) put under
// WorkerDir: the kept files of an earlier failed run stay until someone merges or removes
// them. Run ids sort by start time: 20250611T101530.123Z-<pid>.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface RunDir {
  /** <base>/<run id>, created empty by this run. */
  dir: string;
  /** The first directory of <base> this run created (undefined: <base> existed already). */
  createdBase: string | undefined;
}

/** A run id: the UTC start time to the millisecond, then the pid (unique among live processes). */
export function runId(now = new Date(), pid = process.pid): string {
  return `${now.toISOString().replace(/[-:]/g, '')}-${pid}`;
}

/** Creates a new, empty directory for this run under `base` (creating `base` if needed). */
export function createRunDir(base: string): RunDir {
  const createdBase = fs.mkdirSync(base, { recursive: true });
  const id = runId();
  for (let n = 1; ; n++) {
    const dir = path.join(base, n === 1 ? id : `${id}.${n}`);
    try {
      fs.mkdirSync(dir); // exclusive: a second run in the same millisecond gets the next name
      return { dir, createdBase };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || n >= 100) throw error;
    }
  }
}

/** Removes this run's directory, then the parts of `base` the run created, if they are empty. */
export function removeRunDir(run: RunDir, base: string): void {
  fs.rmSync(run.dir, { recursive: true, force: true });
  if (run.createdBase === undefined) return;
  const stop = path.dirname(run.createdBase);
  for (let dir = base; dir !== stop && dir.startsWith(run.createdBase); dir = path.dirname(dir)) {
    try {
      fs.rmdirSync(dir);
    } catch {
      return; // not empty: something else lives there now
    }
  }
}
