// Which record format a file holds, decided by its extension.
import * as path from 'node:path';
import { CowloopError, ErrorCodes } from '../errors.js';

export type RecordFormat = 'ndjson' | 'csv';
export type OutputFormat = RecordFormat | 'histograms';

const RECORD_EXTENSIONS: Record<string, RecordFormat> = {
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
  '.csv': 'csv',
};

/** `"auto"` (or undefined) picks the format from the extension; otherwise the name is checked. */
export function recordFormatOf(file: string, format?: string): RecordFormat {
  if (format && format !== 'auto') {
    if (format === 'ndjson' || format === 'csv') return format;
    throw new CowloopError(
      ErrorCodes.ERR_COWLOOP_IO_FORMAT,
      `unknown record format ${JSON.stringify(format)} for ${file}: use "ndjson", "csv" or "auto"`,
    );
  }
  const found = RECORD_EXTENSIONS[path.extname(file).toLowerCase()];
  if (!found) {
    throw new CowloopError(
      ErrorCodes.ERR_COWLOOP_IO_FORMAT,
      `cannot tell the format of ${file} from its extension: name it .ndjson, .jsonl or .csv, or set the Format property`,
    );
  }
  return found;
}

/** Output files: records by extension, and `.json` for histogram files. */
export function outputFormatOf(file: string): OutputFormat {
  if (path.extname(file).toLowerCase() === '.json') return 'histograms';
  return recordFormatOf(file);
}
