// Public entry of cowloop: an explicit list, each name a promise to users (api/cowloop.api.json
// records it; `npm run api:report` regenerates that after a deliberate change). Internals are
// reached by cowloop's own modules and tests through dist/cjs/<area>/.

// Refuse an unsupported Node.js release at require() time, before anything else loads.
import { assertSupportedNode } from './node-support.js';
assertSupportedNode();

// Wiring, in one place each: cowloop's built-in components into the global registry, and
// the ordered steps a forked child runs to drop its parent's state.
import { registerBuiltins } from './builtins.js';
import { installForkSteps } from './fork-hooks.js';
import { registry } from './framework/registry.js';
registerBuiltins(registry);
installForkSteps();

export { CowloopError, ErrorCodes } from './errors.js';
export type { ErrorCode } from './errors.js';

// process
export { fork, ForkedChild, ChildContext, forkSafety, isForkedChild, onChildFork } from './process/index.js';
export type { ForkOptions, ChildExit, ForkTiming, ForkSafety, ForkProblem, SafetyOptions } from './process/index.js';

// shm
export { sharedMemory } from './shm/shared-memory.js';

// framework: writing components and running an application
export { Component, Algorithm, Service, prop, createApplication, Rng } from './framework/index.js';
export { Histogram1D, Histogram2D, histogramFromJSON } from './framework/index.js';
export { readHistogramFile, writeHistogramFile, sumHistogramFiles, histogramsToText, histogramsFromText } from './framework/index.js';
export type {
  Application,
  ApplicationOptions,
  RunSummary,
  OptionsInput,
  PlainOptions,
  ComponentClass,
  ComponentContext,
  MessageReporter,
  ServiceLocator,
  PropertyDecls,
  PropertyInfo,
  PropertyKind,
  PropertySpec,
  PropsOf,
  LevelName,
  LevelNumber,
  AlgorithmStats,
  EventContext,
  EventRecord,
  EventSource,
  MessageSink,
  Histogram,
  HistogramJSON,
  Histogram1DJSON,
  Histogram2DJSON,
} from './framework/index.js';

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
export { warmUp } from './mem/warm-up.js';
export type { WarmUpOptions, WarmUpReport } from './mem/warm-up.js';
export { SharedTable } from './mem/shared-tables.js';
export type { ColumnType, ColumnValue, SharedTableOptions, TableRow, TableSchema } from './mem/shared-tables.js';

// options
export {
  JobOptionsCatalogue,
  JobOptionsError,
  loadJobOptions,
  parseJobOptions,
  jobOptionsFromObject,
  formatJobOptions,
  formatOptionValue,
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
export { registerEventGenerator, mergeOutputs } from './io/index.js';
export type { EventGenerator, MergeOutputsOptions, IoComponent, IoReinitContext } from './io/index.js';

// evtloop: EventLoopMgr is the base of custom loops
export { EventLoopMgr } from './evtloop/index.js';
export type { AlgorithmSummary, EventOutcome, FailedEvent, LoopResult, ProgressSample, ProgressListener, MpRunReport, WorkerReport } from './evtloop/index.js';
// The contract every event loop implements: the type of `app.eventLoop`.
export type { EventProcessor } from './framework/index.js';

// jobs
export { Job, JobGroup, ParallelJobProcessor, JobError, JobsFailedError, formatJobLogEvent, Pool, Task, WorkManager } from './jobs/index.js';
export type {
  JobGroupOptions,
  WorkFunction,
  ParallelJobProcessorOptions,
  GetResultsOptions,
  CloseOptions,
  JobOutcome,
  JobLogEvent,
  JobLogger,
  PoolOptions,
  MapOptions,
  ImapOptions,
  MapFunction,
  WorkManagerOptions,
  ProcessOptions,
  WorkerStatistics,
  WorkReport,
} from './jobs/index.js';

// report (the data and the HTML page of `cowloop run --report`)
export { RunRecorder } from './report/recorder.js';
export type { RecorderOptions, RecordedSample, RunOutcome } from './report/recorder.js';
export { renderHtmlReport, writeHtmlReport } from './report/html-report.js';
export type { RunRecord, RunStatus, RunPhase, MemorySample, WorkerSample, OverallSample, RunRecordWorker } from './report/types.js';
