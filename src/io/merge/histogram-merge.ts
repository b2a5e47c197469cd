// Adds histogram files bin by bin. A histogram file is the JSON HistogramSvc writes; the
// result is written atomically like every merged file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CowloopError, ErrorCodes } from '../../errors.js';
import { writeAtomically } from './atomic-file.js';
import { removeInputs, type MergeStats, type RecordMergeOptions } from './record-merge.js';

/** Keys whose numbers are sums over events, added when merging; every other value must agree. */
const ADDITIVE = /^(contents|counts|bins|entries|sumw|sumw2|sumW|sumW2|sumwx|sumwx2|sumWX|sumWX2|underflow|overflow|sum\w*)$/;

export function mergeHistogramFiles(inputs: readonly string[], output: string, options: RecordMergeOptions = {}): MergeStats {
  const target = path.resolve(output);
  const stats: MergeStats = { output: target, inputs: [...inputs], records: 0, duplicates: 0, conflicts: 0, truncated: 0, missing: [] };
  let total: unknown;
  let first = '';
  for (const input of inputs) {
    let text: string;
    try {
      text = fs.readFileSync(input, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && options.allowMissing) {
        stats.missing.push(input);
        continue;
      }
      throw new CowloopError(ErrorCodes.ERR_COWLOOP_IO_MERGE, `cannot read merge input ${input}: ${(error as Error).message}`, { cause: error });
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new CowloopError(ErrorCodes.ERR_COWLOOP_IO_MERGE, `${input} is not a histogram file (bad JSON: ${(error as Error).message}). The inputs are kept.`, {
        cause: error,
      });
    }
    if (total === undefined) {
      total = value;
      first = input;
    } else {
      total = addTrees(total, value, '', first, input);
    }
    stats.records++;
  }
  if (total === undefined) {
    throw new CowloopError(ErrorCodes.ERR_COWLOOP_IO_MERGE, `no histogram file to merge into ${target}`);
  }
  const merged = total;
  writeAtomically(target, (out) => out.write(Buffer.from(`${JSON.stringify(merged, null, 2)}\n`)));
  if (options.removeInputs) removeInputs(inputs, target);
  return stats;
}

function addTrees(a: unknown, b: unknown, where: string, fileA: string, fileB: string, additive = false): unknown {
  if (typeof a === 'number' && typeof b === 'number') {
    if (additive) return a + b;
    if (a === b) return a;
  } else if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    return a.map((x, i) => addTrees(x, b[i], `${where}[${i}]`, fileA, fileB, additive));
  } else if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    const same = keys.length === Object.keys(b).length && keys.every((k) => Object.prototype.hasOwnProperty.call(b, k));
    if (same) {
      const out: Record<string, unknown> = {};
      for (const k of keys) out[k] = addTrees(a[k], b[k], where ? `${where}.${k}` : k, fileA, fileB, additive || ADDITIVE.test(k));
      return out;
    }
  } else if (JSON.stringify(a) === JSON.stringify(b)) {
    return a;
  }
  throw new CowloopError(
    ErrorCodes.ERR_COWLOOP_IO_MERGE,
    `histograms cannot be added: ${where || 'the top level'} differs between ${fileA} and ${fileB} (different booking?). The inputs are kept.`,
  );
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
