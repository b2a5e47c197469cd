// Exit codes of the cowloop command (documented in docs/guide.md).
export const EXIT = {
  OK: 0,
  FAILURE: 1, // unexpected error
  USAGE: 2, // bad command line
  CONFIG: 3, // bad job options or configuration
  EVENTS_FAILED: 4, // the job ran but events failed
  INTERRUPTED: 130, // SIGINT/SIGTERM: stopped early, partial summary printed
} as const;
