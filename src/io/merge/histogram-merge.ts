// Adds histogram files (the JSON HistogramSvc writes) bin by bin, with the framework's
// histogram classes, and writes the sum atomically in the same format: merging the
// workers' files gives the bytes a serial run writes (for integer weights, exactly).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CowloopError, ErrorCodes } from '../../errors.js';
import { histogramsToText, readHistogramFile, sumHistograms } from '../../framework/services/histogram-file.js';
import type { Histogram } from '../../framework/services/histogram.js';
import { writeAtomically } from '../../util/atomic-file.js';
import { removeInputs, type MergeStats, type RecordMergeOptions } from './record-merge.js';


export function mergeHistogramFiles(inputs: readonly string[], output: string, options: RecordMergeOptions = {}): MergeStats {
  const target = path.resolve(output);
  const stats: MergeStats = { output: target, inputs: [...inputs], records: 0, duplicates: 0, conflicts: 0, truncated: 0, missing: [] };
  const sets: Histogram[][] = [];
  for (const input of inputs) {
    if (options.allowMissing && !fs.existsSync(input)) {
      stats.missing.push(input);
      continue;
    }
    try {
      sets.push(readHistogramFile(input));
    } catch (error) {
      const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? `${input} does not exist` : (error as Error).message;
      throw new CowloopError(ErrorCodes.ERR_COWLOOP_IO_MERGE, `cannot merge histograms into ${target}: ${why}. The inputs are kept.`, { cause: error });
    }
  }
  let merged: Histogram[];
  try {
    merged = sumHistograms(sets);
  } catch (error) {
    throw new CowloopError(ErrorCodes.ERR_COWLOOP_IO_MERGE, `cannot merge histograms into ${target}: ${(error as Error).message}. The inputs are kept.`, {
      cause: error,
    });
  }
  stats.records = merged.length;
  writeAtomically(target, (out) => out.write(Buffer.from(histogramsToText(merged))));
  if (options.removeInputs) removeInputs(inputs, target);
  return stats;
}
