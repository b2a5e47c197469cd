// Small /proc readers for tests: parent pid, state and the children of a process.
import fs from 'node:fs';

/** { ppid, state } of a live process, or undefined once it is gone. */
export function procStat(pid) {
  let text;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name may contain spaces and parentheses: fields start after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0], ppid: Number(fields[1]) };
}

/** True while the process exists and is not a zombie. */
export function alive(pid) {
  const stat = procStat(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
}

/** Every process as { pid, state, ppid }, read once from /proc. */
export function processes() {
  const out = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(Number(entry));
    if (stat) out.push({ pid: Number(entry), ...stat });
  }
  return out;
}

/** Pids of every process whose parent is `pid` (zombies included). */
export function childrenOf(pid) {
  return processes().filter((p) => p.ppid === pid).map((p) => p.pid);
}

/** Polls `predicate` every 20 ms until it holds or `limitMs` passes; returns its last value. */
export async function waitFor(predicate, limitMs = 10000) {
  const end = Date.now() + limitMs;
  for (;;) {
    const value = predicate();
    if (value || Date.now() > end) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
}
