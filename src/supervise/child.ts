// The parent's view of one forked child, as every supervisor sees it (a ForkedChild is one;
// tests hand in stand-ins), and how its end is read: its result or its error, then its reaping.
import type { ChildExit } from '../process/forked-child.js';

export type { ChildExit };

/** Why a child ended without a result: its own error, or its death (ERR_COWLOOP_CHILD_EXITED with the exit fields). */
export type ChildError = Error & { code?: string; signal?: string | null; exitCode?: number | null };

export interface SupervisedChild<R = unknown> {
  readonly pid: number;
  /** True until the child has been reaped. */
  readonly running: boolean;
  /** Resolves with the child's result; rejects when it failed or died. */
  readonly result: Promise<R>;
  /** Resolves once the child is reaped. */
  readonly exited: Promise<ChildExit>;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  send(message: unknown): unknown;
  kill(signal: NodeJS.Signals): unknown;
}

export interface ChildEnd<R> {
  /** The result of a child that ended well. */
  report?: R;
  error?: ChildError;
  exit: ChildExit;
}

/** Waits for the child's result (or error) and then for its reaping: nothing is left to read of it. */
export async function endOf<R>(child: SupervisedChild<R>): Promise<ChildEnd<R>> {
  const end = await child.result.then(
    (report): Omit<ChildEnd<R>, 'exit'> => ({ report }),
    (error: ChildError): Omit<ChildEnd<R>, 'exit'> => ({ error }),
  );
  return { ...end, exit: await child.exited };
}

/** A child's way of ending in words: "was killed by SIGSEGV", "exited with code 3". */
export function describeExit(exit: ChildExit): string {
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

/** The exit a death error carries (ForkedChild puts the status on ERR_COWLOOP_CHILD_EXITED), if it does. */
export function exitOf(error: ChildError): ChildExit | undefined {
  if (error.signal === undefined && error.exitCode === undefined) return undefined;
  return { code: error.exitCode ?? null, signal: error.signal ?? null };
}
