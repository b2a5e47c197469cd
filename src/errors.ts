// Every error cowloop raises comes from here and carries a stable `code`.
// Add new codes to ErrorCodes (one line each, grouped by area) and raise them with
// `new CowloopError(code, message, { cause })`.

export const ErrorCodes = {
  // process/
  ERR_COWLOOP_NOT_SINGLE_THREADED: 'ERR_COWLOOP_NOT_SINGLE_THREADED',
  ERR_COWLOOP_ACTIVE_RESOURCES: 'ERR_COWLOOP_ACTIVE_RESOURCES',
  ERR_COWLOOP_WORKER_THREADS: 'ERR_COWLOOP_WORKER_THREADS',
  ERR_COWLOOP_INSPECTOR: 'ERR_COWLOOP_INSPECTOR',
  ERR_COWLOOP_UNSUPPORTED_PLATFORM: 'ERR_COWLOOP_UNSUPPORTED_PLATFORM',
  ERR_COWLOOP_NATIVE_ADDON: 'ERR_COWLOOP_NATIVE_ADDON',
  ERR_COWLOOP_FORK_FAILED: 'ERR_COWLOOP_FORK_FAILED',
  ERR_COWLOOP_IN_CHILD: 'ERR_COWLOOP_IN_CHILD',
  ERR_COWLOOP_CHILD_EXITED: 'ERR_COWLOOP_CHILD_EXITED',
  ERR_COWLOOP_RESULT_NOT_SERIALIZABLE: 'ERR_COWLOOP_RESULT_NOT_SERIALIZABLE',
  ERR_COWLOOP_MESSAGE_NOT_SERIALIZABLE: 'ERR_COWLOOP_MESSAGE_NOT_SERIALIZABLE',
  ERR_COWLOOP_CHANNEL_CORRUPT: 'ERR_COWLOOP_CHANNEL_CORRUPT',
  ERR_COWLOOP_INVALID_ARGUMENT: 'ERR_COWLOOP_INVALID_ARGUMENT',
  // framework/ and evtloop/
  ERR_COWLOOP_ILLEGAL_TRANSITION: 'ERR_COWLOOP_ILLEGAL_TRANSITION',
  ERR_COWLOOP_BAD_PROPERTY: 'ERR_COWLOOP_BAD_PROPERTY',
  ERR_COWLOOP_UNKNOWN_PROPERTY: 'ERR_COWLOOP_UNKNOWN_PROPERTY',
  ERR_COWLOOP_UNKNOWN_COMPONENT: 'ERR_COWLOOP_UNKNOWN_COMPONENT',
  ERR_COWLOOP_COMPONENT_FAILED: 'ERR_COWLOOP_COMPONENT_FAILED',
  ERR_COWLOOP_EVENT_FAILED: 'ERR_COWLOOP_EVENT_FAILED',
  ERR_COWLOOP_HISTOGRAM: 'ERR_COWLOOP_HISTOGRAM',
  // mem/
  ERR_COWLOOP_NO_SUCH_PROCESS: 'ERR_COWLOOP_NO_SUCH_PROCESS',
  ERR_COWLOOP_PROCESS_NOT_READABLE: 'ERR_COWLOOP_PROCESS_NOT_READABLE',
  // io/
  ERR_COWLOOP_IO_INPUT: 'ERR_COWLOOP_IO_INPUT',
  ERR_COWLOOP_IO_BAD_RECORD: 'ERR_COWLOOP_IO_BAD_RECORD',
  ERR_COWLOOP_IO_FORMAT: 'ERR_COWLOOP_IO_FORMAT',
  ERR_COWLOOP_IO_OUTPUT: 'ERR_COWLOOP_IO_OUTPUT',
  ERR_COWLOOP_IO_MERGE: 'ERR_COWLOOP_IO_MERGE',
  // options/
  ERR_COWLOOP_OPTIONS_SYNTAX: 'ERR_COWLOOP_OPTIONS_SYNTAX',
  ERR_COWLOOP_OPTIONS_INCLUDE: 'ERR_COWLOOP_OPTIONS_INCLUDE',
  ERR_COWLOOP_OPTIONS_REFERENCE: 'ERR_COWLOOP_OPTIONS_REFERENCE',
  ERR_COWLOOP_OPTIONS_FILE: 'ERR_COWLOOP_OPTIONS_FILE',
  ERR_COWLOOP_OPTIONS_UNITS: 'ERR_COWLOOP_OPTIONS_UNITS',
  ERR_COWLOOP_OPTIONS_OPERATION: 'ERR_COWLOOP_OPTIONS_OPERATION',
  ERR_COWLOOP_OPTIONS_VALUE: 'ERR_COWLOOP_OPTIONS_VALUE',
  ERR_COWLOOP_OPTIONS_MODULE: 'ERR_COWLOOP_OPTIONS_MODULE',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export class CowloopError extends Error {
  readonly code: ErrorCode | string;

  constructor(code: ErrorCode | string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CowloopError';
    this.code = code;
  }
}

/** `options.<path> must be <expected> (got <actual>)`, the shape every validation error takes. */
export function invalidArgument(path: string, expected: string, actual: unknown): CowloopError {
  return new CowloopError(
    ErrorCodes.ERR_COWLOOP_INVALID_ARGUMENT,
    `${path} must be ${expected} (got ${describe(actual)})`,
  );
}

export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (Array.isArray(value)) return `array of length ${value.length}`;
  if (value === null) return 'null';
  if (typeof value === 'object') return `object ${value.constructor?.name ?? 'Object'}`;
  return String(value);
}
