// Stopping a worker: SIGTERM first, SIGKILL after a grace period, and always wait for the
// reaping so no zombie is left behind.
import type { ChildExit, ForkedChild } from '../process/forked-child.js';

export async function stopChild(child: ForkedChild<unknown>, graceMs: number): Promise<ChildExit> {
  if (!child.running) return child.exited;
  child.kill('SIGTERM');
  const escalate = setTimeout(() => child.kill('SIGKILL'), graceMs);
  escalate.unref(); // the child's channel keeps the loop alive until it is reaped
  try {
    return await child.exited;
  } finally {
    clearTimeout(escalate);
  }
}

export function describeExit(exit: ChildExit): string {
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}
