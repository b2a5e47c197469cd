export { Job, JobGroup } from './job.js';
export type { JobOptions, JobGroupOptions, WorkFunction } from './job.js';
export { ParallelJobProcessor } from './parallel-job-processor.js';
export type { ParallelJobProcessorOptions, GetResultsOptions, CloseOptions } from './parallel-job-processor.js';
export { JobError, JobsFailedError } from './job-errors.js';
export type { JobOutcome } from './job-errors.js';
export { formatJobLogEvent } from './log.js';
export type { JobLogEvent, JobLogger } from './log.js';
