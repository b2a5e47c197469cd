// One entry for merging any cowloop output: records (NDJSON, CSV) by event number,
// histogram files (.json) bin by bin. The format comes from the output's extension.
import { outputFormatOf } from '../format.js';
import { mergeHistogramFiles } from './histogram-merge.js';
import { mergeRecordFiles, type MergeStats, type RecordMergeOptions } from './record-merge.js';

export type MergeOutputsOptions = RecordMergeOptions;

export function mergeOutputs(inputs: readonly string[], output: string, options: MergeOutputsOptions = {}): MergeStats {
  if (outputFormatOf(output) === 'histograms') return mergeHistogramFiles(inputs, output, options);
  return mergeRecordFiles(inputs, output, options);
}
