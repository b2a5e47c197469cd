// `cowloop` re-executes node with --single-threaded; the user, a shell or a batch system
// sees (and kills) the first process, the launcher. SIGKILL cannot be forwarded, so the
// real master watches its launcher and dies with it; its workers follow at once through
// their parent-death signal. Without this, `kill -9 <cowloop pid>` left the master and
// its workers running on as orphans.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { onChildFork } from '../process/child-hooks.js';

/** How often the master looks whether its launcher is still there. */
const WATCH_MS = 200;

function parentPid(): number {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** True when `pid` is the cowloop launcher: node running bin/cowloop.js without --single-threaded. */
function isLauncher(pid: number): boolean {
  let argv: string[];
  try {
    argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return false;
  }
  return argv.some((a) => a.endsWith(path.join('bin', 'cowloop.js'))) && !argv.includes('--single-threaded');
}

/** In the re-executed master: SIGKILL itself when the launcher that started it is gone. */
export function dieWithLauncher(): void {
  if (!process.execArgv.includes('--single-threaded')) return; // this is the launcher
  const launcher = parentPid();
  if (!isLauncher(launcher)) return; // started directly: its parent's fate is not its own
  const timer = setInterval(() => {
    if (parentPid() !== launcher) process.kill(process.pid, 'SIGKILL');
  }, WATCH_MS);
  timer.unref();
  // A forked worker's parent is this master; the worker dies with it by its death signal.
  onChildFork(() => clearInterval(timer));
}
