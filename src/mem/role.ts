// A short name for a process in reports: its title ("cowloop: worker 3") or command line.
import path from 'node:path';
import { readProcFileIfExists } from './proc.js';

const MAX_ROLE = 32;

export function processRole(pid: number): string {
  const cmdline = readProcFileIfExists(pid, 'cmdline') ?? '';
  // A title set through process.title overwrites argv in place: NULs and padding follow it.
  const args = cmdline.split('\0').map((a) => a.trim()).filter((a) => a.length > 0);
  let role: string;
  if (args.length === 0) {
    role = `[${(readProcFileIfExists(pid, 'comm') ?? '?').trim()}]`;
  } else {
    // Absolute paths (the node binary, the script) shortened to their last part.
    const short = (a: string): string => (a.startsWith('/') && !a.includes(' ') ? path.basename(a) : a);
    role = args.map(short).join(' ');
  }
  return role.length > MAX_ROLE ? `${role.slice(0, MAX_ROLE - 1)}…` : role;
}
