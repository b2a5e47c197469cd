// Stopping a worker: SIGTERM first, SIGKILL after a grace period, and always wait for the
// reaping so no zombie is left behind.
import type { ChildExit, ForkedChild } from '../process/forked-child.js';

// Escalation timers still armed: a child forked meanwhile must not inherit them (it
// would signal a pid that is not its own business, and may have been reused).
const escalations = new Set<NodeJS.Timeout>();
/** Fork step (src/fork-hooks.ts): clears the escalation timers in a new child. */
export function escalationsAfterFork(): void {
  for (const timer of escalations) clearTimeout(timer);
  escalations.clear();
}

export async function stopChild(child: ForkedChild<unknown>, graceMs: number): Promise<ChildExit> {
  if (!child.running) return child.exited;
  child.kill('SIGTERM');
  const escalate = setTimeout(() => child.kill('SIGKILL'), graceMs);
  escalate.unref(); // the child's channel keeps the loop alive until it is reaped
  escalations.add(escalate);
  try {
    return await child.exited;
  } finally {
    clearTimeout(escalate);
    escalations.delete(escalate);
  }
}

export function describeExit(exit: ChildExit): string {
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}
