// The histogram file format: one JSON document, deterministic (histograms sorted by path,
// one per line), so two runs that filled the same numbers write identical bytes.
//   {"format":"cowloop-histograms","version":1,"histograms":[
//   {"type":"H1D","path":"reco/nhits",...},
//   ...
//   ]}
import * as fs from 'node:fs';
import { CowloopError, ErrorCodes } from '../../errors.js';
import { writeAtomically } from '../../util/atomic-file.js';
import { addHistogram, histogramFromJSON, type Histogram, type HistogramJSON } from './histogram.js';

export const HISTOGRAM_FORMAT = 'cowloop-histograms';

export function histogramsToText(histograms: Iterable<Histogram>): string {
  const sorted = [...histograms].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const lines = sorted.map((h) => JSON.stringify(h.toJSON()));
  return `{"format":"${HISTOGRAM_FORMAT}","version":1,"histograms":[\n${lines.join(',\n')}${lines.length ? '\n' : ''}]}\n`;
}

export function histogramsFromText(text: string, file = '<text>'): Histogram[] {
  let doc: { format?: unknown; histograms?: unknown };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch (e) {
    throw new CowloopError(ErrorCodes.ERR_COWLOOP_HISTOGRAM, `${file}: not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  if (doc?.format !== HISTOGRAM_FORMAT || !Array.isArray(doc.histograms)) {
    throw new CowloopError(ErrorCodes.ERR_COWLOOP_HISTOGRAM, `${file}: not a cowloop histogram file (expected "format": "${HISTOGRAM_FORMAT}")`);
  }
  return (doc.histograms as HistogramJSON[]).map((h) => histogramFromJSON(h));
}

export function readHistogramFile(file: string): Histogram[] {
  return histogramsFromText(fs.readFileSync(file, 'utf8'), file);
}

/** Writes under a partial name and renames into place, so a reader never sees half a file. */
export function writeHistogramFile(file: string, histograms: Iterable<Histogram>): void {
  const text = histogramsToText(histograms);
  writeAtomically(file, (out) => out.write(Buffer.from(text)));
}

/** Adds histograms with equal paths bin by bin; the result is sorted by path. */
export function sumHistograms(sets: Iterable<Iterable<Histogram>>): Histogram[] {
  const byPath = new Map<string, Histogram>();
  for (const set of sets) {
    for (const h of set) {
      const have = byPath.get(h.path);
      if (have) addHistogram(have, h);
      else byPath.set(h.path, histogramFromJSON(h.toJSON()));
    }
  }
  return [...byPath.values()];
}

/** Reads every input file, adds them bin by bin and writes `output` (e.g. per-worker files into one). */
export function sumHistogramFiles(inputs: string[], output: string): Histogram[] {
  const merged = sumHistograms(inputs.map(readHistogramFile));
  writeHistogramFile(output, merged);
  return merged;
}
