// Stopping a child: SIGTERM first, SIGKILL after a grace period, and always wait for the
// reaping so no zombie is left behind.
import { realClock, type SupervisorClock } from './clock.js';
import type { ChildExit, SupervisedChild } from './child.js';

// Escalations still armed: a child forked meanwhile must not inherit them (it would signal
// a pid that is not its own business, and may have been reused).
const escalations = new Set<() => void>();

/** Fork step (src/fork-hooks.ts): cancels the escalations in a new child. */
export function escalationsAfterFork(): void {
  for (const cancel of escalations) cancel();
  escalations.clear();
}

export async function stopChild(child: SupervisedChild, graceMs: number, clock: SupervisorClock = realClock): Promise<ChildExit> {
  if (!child.running) return child.exited;
  child.kill('SIGTERM');
  const cancel = clock.after(graceMs, () => child.kill('SIGKILL'));
  escalations.add(cancel);
  try {
    return await child.exited;
  } finally {
    cancel();
    escalations.delete(cancel);
  }
}
