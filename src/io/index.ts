// The io area: inputs (EventSelector and its readers), outputs (OutputStream and writers),
// and the mergers the multi-process loop runs at finalize.
export { EventSelector } from './components/event-selector.js';
export { OutputStream } from './components/output-stream.js';
export { isIoComponent } from '../framework/io-component.js';
export type { IoComponent, IoReinitContext } from '../framework/io-component.js';
export { recordFormatOf, outputFormatOf } from './format.js';
export type { RecordFormat, OutputFormat } from './format.js';
export { buildRecordIndex } from './record-index.js';
export type { RecordIndex } from './record-index.js';
export { RecordFile } from './readers/record-file.js';
export type { RecordData } from './readers/record-file.js';
export { openRecordSource, FileSequenceSource, GeneratorSource } from './readers/record-source.js';
export type { InputFileRange, InputRecord, OpenSourceOptions, RecordSource } from './readers/record-source.js';
export { registerEventGenerator, defaultEventGenerator, hash32 } from './readers/generator.js';
export type { EventGenerator } from './readers/generator.js';
export { RecordWriter } from './writers/record-writer.js';
export type { RecordWriterOptions } from './writers/record-writer.js';
export { ndjsonRecord, csvHeader, csvRecord } from './writers/record-text.js';
export { mergeRecordFiles } from './merge/record-merge.js';
export type { MergeStats, RecordMergeOptions } from './merge/record-merge.js';
export { mergeHistogramFiles } from './merge/histogram-merge.js';
export { mergeOutputs } from './merge/merge-outputs.js';
export type { MergeOutputsOptions } from './merge/merge-outputs.js';
export { writeAtomically, AtomicFileWriter } from '../util/atomic-file.js';
