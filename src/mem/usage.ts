// memoryUsage(pid): one process's totals from /proc/<pid>/smaps_rollup, which the kernel
// sums for us (cheaper than /proc/<pid>/smaps, and exact where per-mapping PSS rounds).
import { checkPid, noSuchProcess, readProcFile } from './proc.js';
import type { MemoryUsage } from './types.js';

const KIB_PER_MIB = 1024;

/** Memory of process `pid` (default: this process), in MiB. */
export function memoryUsage(pid: number = process.pid): MemoryUsage {
  checkPid(pid);
  const text = readProcFile(pid, 'smaps_rollup');
  const fields = parseRollup(text);
  if (fields.size === 0) throw noSuchProcess(pid);
  const kb = (name: string): number => fields.get(name) ?? 0;
  const privateClean = kb('Private_Clean');
  const privateDirty = kb('Private_Dirty');
  return {
    rss: kb('Rss') / KIB_PER_MIB,
    pss: kb('Pss') / KIB_PER_MIB,
    uss: (privateClean + privateDirty) / KIB_PER_MIB,
    sharedClean: kb('Shared_Clean') / KIB_PER_MIB,
    sharedDirty: kb('Shared_Dirty') / KIB_PER_MIB,
    privateClean: privateClean / KIB_PER_MIB,
    privateDirty: privateDirty / KIB_PER_MIB,
    swap: kb('Swap') / KIB_PER_MIB,
  };
}

/** `Name:   1234 kB` lines into a map of kB values. */
function parseRollup(text: string): Map<string, number> {
  const fields = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^(\w+):\s+(\d+) kB$/.exec(line);
    if (match) fields.set(match[1]!, Number(match[2]));
  }
  return fields;
}
