// processTree(pid): a process and all its descendants, e.g. a cowloop master and its workers.
import fs from 'node:fs';
import { checkPid, noSuchProcess, readProcFileIfExists } from './proc.js';

/**
 * `pid` followed by all its descendants, breadth-first, children in pid order. Children are
 * read from /proc/<pid>/task/<tid>/children; where the kernel lacks that file, the parent
 * of every process is read from /proc/<pid>/stat instead.
 */
export function processTree(pid: number): number[] {
  checkPid(pid);
  if (!fs.existsSync(`/proc/${pid}`)) throw noSuchProcess(pid);
  const childrenOf = hasChildrenFiles(pid) ? childrenFromTaskFiles : childrenFromStatScan();
  const tree: number[] = [];
  const seen = new Set<number>();
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift()!;
    if (seen.has(next)) continue;
    seen.add(next);
    tree.push(next);
    queue.push(...childrenOf(next).sort((a, b) => a - b));
  }
  return tree;
}

function hasChildrenFiles(pid: number): boolean {
  return fs.existsSync(`/proc/${pid}/task/${pid}/children`);
}

/** Children of every thread of `pid` (a child belongs to the thread that forked it). */
function childrenFromTaskFiles(pid: number): number[] {
  let tids: string[];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return []; // exited while the tree was walked
  }
  const children: number[] = [];
  for (const tid of tids) {
    const text = readProcFileIfExists(pid, `task/${tid}/children`) ?? '';
    for (const word of text.split(' ')) {
      if (word.length > 0) children.push(Number(word));
    }
  }
  return children;
}

/** One scan of /proc: a lookup from parent pid to its children. */
function childrenFromStatScan(): (pid: number) => number[] {
  const byParent = new Map<number, number[]>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    const ppid = parentOf(pid);
    if (ppid === undefined) continue;
    const list = byParent.get(ppid);
    if (list) list.push(pid);
    else byParent.set(ppid, [pid]);
  }
  return (pid) => byParent.get(pid) ?? [];
}

/** The ppid field of /proc/<pid>/stat; the command name before it may hold spaces or ')'. */
export function parentOf(pid: number): number | undefined {
  const stat = readProcFileIfExists(pid, 'stat');
  if (stat === undefined) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ppid = Number(fields[1]);
  return Number.isInteger(ppid) ? ppid : undefined;
}
