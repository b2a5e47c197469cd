// Public entry of cowloop. Each area adds its exports here, one block per area.

export { CowloopError, ErrorCodes } from './errors.js';
export type { ErrorCode } from './errors.js';
