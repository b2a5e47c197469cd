// Exit codes of the cowloop command (documented in docs/guide.md). A CowloopError's exit
// code follows from its code's exit class in the table of src/errors.ts.
import { CowloopError, ERRORS, type ErrorCode, type ExitClass } from '../errors.js';

export const EXIT = {
  OK: 0,
  FAILURE: 1, // the run failed, cowloop cannot run here, or an unexpected error
  USAGE: 2, // bad command line
  CONFIG: 3, // bad job options, configuration or input
  EVENTS_FAILED: 4, // the job ran but events failed
  INTERRUPTED: 130, // SIGINT/SIGTERM: stopped early, partial summary printed
} as const;

export const EXIT_FOR_CLASS: Readonly<Record<ExitClass, number>> = {
  usage: EXIT.USAGE,
  config: EXIT.CONFIG,
  input: EXIT.CONFIG,
  events: EXIT.EVENTS_FAILED,
  failure: EXIT.FAILURE,
  environment: EXIT.FAILURE,
  interrupted: EXIT.INTERRUPTED,
};

export function exitCodeOf(code: ErrorCode): number {
  return EXIT_FOR_CLASS[ERRORS[code].exit];
}

/**
 * The exit class an error ends the command with: its code's, except that a component which
 * failed on bad input (the event selector on a missing file) is an input error; anything
 * that is not a CowloopError is a failure.
 */
export function exitClassOf(error: unknown): ExitClass {
  if (!(error instanceof CowloopError)) return 'failure';
  const cause = error.cause;
  if (error.code === 'ERR_COWLOOP_COMPONENT_FAILED' && cause instanceof CowloopError && ERRORS[cause.code].exit === 'input') return 'input';
  return ERRORS[error.code].exit;
}

export function exitCodeFor(error: unknown): number {
  return EXIT_FOR_CLASS[exitClassOf(error)];
}
