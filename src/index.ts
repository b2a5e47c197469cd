// Public entry of cowloop. Each area adds its exports here, one block per area.

// Refuse an unsupported Node.js release at require() time, before anything else loads.
import { assertSupportedNode } from './node-support.js';
assertSupportedNode();

export { CowloopError, ErrorCodes } from './errors.js';
export type { ErrorCode } from './errors.js';

// process
export { fork, ForkedChild, ChildContext, forkSafety, isForkedChild, onChildFork } from './process/index.js';
export type { ForkOptions, ChildExit, ForkTiming, ForkSafety, ForkProblem, SafetyOptions } from './process/index.js';

// shm
export { sharedMemory } from './shm/shared-memory.js';

// framework
export * from './framework/index.js';

// mem
export {
  memoryUsage,
  readSmaps,
  parseSmaps,
  memoryReport,
  formatMemoryReport,
  processTree,
  processRole,
} from './mem/index.js';
export type {
  FormatOptions,
  HeapEvidence,
  MappingKind,
  MemoryBreakdown,
  MemoryFigures,
  MemoryReport,
  MemoryReportOptions,
  MemoryReportRow,
  MemoryUsage,
  PrivateShared,
  SmapsSummary,
} from './mem/index.js';
export { collectGarbage } from './mem/collect-garbage.js';
export type { CollectGarbageOptions } from './mem/collect-garbage.js';
export { SharedTable } from './mem/shared-tables.js';
export type { ColumnType, ColumnValue, SharedTableOptions, TableRow, TableSchema } from './mem/shared-tables.js';

// options
export {
  JobOptionsCatalogue,
  JobOptionsError,
  loadJobOptions,
  parseJobOptions,
  jobOptionsFromObject,
  jobOptionsFormat,
  formatJobOptions,
  formatOptionValue,
  optionValuesEqual,
  suggestNearest,
  didYouMean,
} from './options/index.js';
export type {
  JobOptions,
  OptionEntry,
  OptionValue,
  SourceLocation,
  LoadJobOptionsOptions,
  FormatJobOptionsOptions,
  JobOptionsConfig,
  JobOptionsModule,
} from './options/index.js';

// io
export * from './io/index.js';

// evtloop
export * from './evtloop/index.js';

// jobs
export * from './jobs/index.js';

// report (the data and the HTML page of `cowloop run --report`)
export { RunRecorder } from './report/recorder.js';
export type { RecorderOptions, RecordedSample, RunOutcome } from './report/recorder.js';
export { renderHtmlReport, writeHtmlReport } from './report/html-report.js';
export type { RunRecord, RunStatus, RunPhase, MemorySample, WorkerSample, OverallSample, RunRecordWorker } from './report/types.js';
