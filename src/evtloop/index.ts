// Event loop managers (registered with cowloop's other built-ins in src/builtins.ts).
export { EventLoopMgr, summarize } from './event-loop-mgr.js';
export type { AlgorithmSummary, EventOutcome, FailedEvent, LoopResult, ProgressSample, ProgressListener } from './event-loop-mgr.js';
export { MpEventLoopMgr } from './mp-event-loop-mgr.js';
export type { MpRunReport } from './mp-event-loop-mgr.js';
export type { WorkerReport } from './worker.js';
export { IoComponentMgr } from '../io/io-component-mgr.js';
