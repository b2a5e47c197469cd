// Outputs are written under a partial name beside their destination and renamed into place
// only when whole, so a run that fails, is interrupted or is killed never touches the
// previous run's file. The name says what it is and whose it is:
//   .<name>.partial-<pid>        an output being written by process <pid>
//   .<name>.partial-<pid>.<n>    another whole-file write (a merge) by the same process
// A process removes its partial files when it exits; those of a process killed by SIGKILL
// are removed by the next run that writes the same destination, once <pid> is gone.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Partial files of this process not yet committed or discarded. */
const open = new Set<string>();
let exitHookInstalled = false;
let sequence = 0;

/** Fork step (src/fork-hooks.ts): a forked child inherits the set but not the files: they are its parent's to finish. */
export function partialFilesAfterFork(): void {
  open.clear();
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // process.exit (a second Ctrl-C, a fatal error): what was never committed is not a result.
  process.on('exit', () => {
    for (const file of open) fs.rmSync(file, { force: true });
    open.clear();
  });
}

/** The partial name of `destination` for this process; `n` numbers further writes. */
export function partialPathOf(destination: string, n?: number): string {
  const dir = path.dirname(destination);
  return path.join(dir, `.${path.basename(destination)}.partial-${process.pid}${n === undefined ? '' : `.${n}`}`);
}

/** A fresh partial name for a one-off whole-file write (a merge) of `destination`. */
export function nextPartialPath(destination: string): string {
  return partialPathOf(destination, ++sequence);
}

/** Registers `file` as this process's partial file: removed at exit unless committed or discarded. */
export function trackPartial(file: string): void {
  installExitHook();
  open.add(file);
}

export function untrackPartial(file: string): void {
  open.delete(file);
}

/** Flushes `fd` to disk (best effort: some file systems refuse fsync), then closes it. */
export function syncAndClose(fd: number): void {
  try {
    fs.fsyncSync(fd);
  } catch {
    /* EINVAL on file systems without fsync: the rename is still atomic */
  } finally {
    fs.closeSync(fd);
  }
}

/** Renames a finished partial file over its destination; the destination's old bytes stay until then. */
export function commitPartial(file: string, destination: string): void {
  fs.renameSync(file, destination);
  untrackPartial(file);
}

/** Removes a partial file that will not become a result. */
export function discardPartial(file: string): void {
  untrackPartial(file);
  fs.rmSync(file, { force: true });
}

/**
 * Removes partial files of `destination` left by processes that no longer exist (a master
 * killed by SIGKILL). Only names of exactly this pattern are touched, and never those of a
 * live process.
 */
export function removeStalePartials(destination: string): string[] {
  const dir = path.dirname(destination);
  const prefix = `.${path.basename(destination)}.partial-`;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(\d+)(?:\.\d+)?$/.exec(name.slice(prefix.length));
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || processExists(pid)) continue;
    const file = path.join(dir, name);
    try {
      if (!fs.lstatSync(file).isFile()) continue;
      fs.rmSync(file);
      removed.push(file);
    } catch {
      /* gone meanwhile, or not ours to remove */
    }
  }
  return removed;
}

/** True while `pid` runs; a zombie (killed, not yet reaped by whoever adopted it) writes nothing more. */
function processExists(pid: number): boolean {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}
