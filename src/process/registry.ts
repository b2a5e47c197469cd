// The parent's table of live forked children: reaping on SIGCHLD, and which active
// handles are cowloop's own (so the fork-safety check does not count them).
import { native } from '../native.js';

export interface TrackedChild {
  readonly pid: number;
  /** Called once with the exit status when the child has been reaped. */
  onReaped(status: { code: number | null; signal: number | null }): void;
  /** Closes every handle of this child's channel (used in a sibling after fork). */
  dropInSibling(): void;
  /** Handles of this child's channel that keep the loop alive, by handle type name. */
  refHandles(): string[];
}

const live = new Map<number, TrackedChild>();
let listening = false;

/** Must be called before fork(): a SIGCHLD with no listener is lost. */
export function listenForExits(): void {
  if (listening) return;
  listening = true;
  process.on('SIGCHLD', reapAll);
}

export function track(child: TrackedChild): void {
  live.set(child.pid, child);
}

/** Tries to reap one child now; returns true when it was reaped. */
export function tryReap(pid: number): boolean {
  const child = live.get(pid);
  if (!child) return false;
  const status = native().waitpid(pid);
  if (status === undefined) return false;
  live.delete(pid);
  if (live.size === 0) stopListening();
  child.onReaped(status);
  return true;
}

function reapAll(): void {
  // Only our own pids: waitpid(-1) would steal child_process's children from libuv.
  for (const pid of [...live.keys()]) tryReap(pid);
}

function stopListening(): void {
  if (!listening) return;
  listening = false;
  process.off('SIGCHLD', reapAll);
}

export function liveChildren(): number {
  return live.size;
}

export function ownActiveHandles(): string[] {
  const kinds: string[] = [];
  for (const child of live.values()) kinds.push(...child.refHandles());
  for (const extra of extraOwnHandles) kinds.push(...extra());
  return kinds;
}

const extraOwnHandles: Array<() => string[]> = [];

/** Lets other owners (a child's channel to its own parent) declare their handles. */
export function declareOwnHandles(source: () => string[]): void {
  extraOwnHandles.push(source);
}

/** Fork step (src/fork-hooks.ts): in a new child, siblings are not ours: close their channels and forget them. */
export function siblingsAfterFork(): void {
  for (const child of live.values()) child.dropInSibling();
  live.clear();
  stopListening();
}
