// Memory measurement: per-process totals, smaps breakdowns, reports over process trees.
export { memoryUsage } from './usage.js';
export { readSmaps, parseSmaps } from './smaps.js';
export { memoryReport } from './report.js';
export { formatMemoryReport } from './format.js';
export { processTree } from './tree.js';
export { processRole } from './role.js';
export type { FormatOptions } from './format.js';
export type {
  MemoryFigures,
  MemoryReport,
  MemoryReportOptions,
  MemoryReportRow,
  PrivateShared,
} from './report.js';
export type {
  HeapEvidence,
  MappingKind,
  MemoryBreakdown,
  MemoryUsage,
  SmapsSummary,
} from './types.js';
