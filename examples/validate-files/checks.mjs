// The two checks. Both run inside forked workers, one file per job.
//  - fast: decompress if needed and count records (lines), without parsing them;
//  - deep: parse every record (JSON.parse per NDJSON line, csv-parse for CSV with a
//    fixed column count) and report the first bad record by line number.
import fs from 'node:fs';
import zlib from 'node:zlib';
import { parse as parseCsv } from 'csv-parse/sync';

export function formatOf(file) {
  const name = file.endsWith('.gz') ? file.slice(0, -3) : file;
  if (name.endsWith('.ndjson') || name.endsWith('.jsonl')) return 'ndjson';
  if (name.endsWith('.csv')) return 'csv';
  throw new Error(`unknown format (expected .ndjson, .jsonl or .csv, optionally .gz)`);
}

function readAll(file) {
  const raw = fs.readFileSync(file);
  if (!file.endsWith('.gz')) return raw;
  try {
    return zlib.gunzipSync(raw);
  } catch (error) {
    throw new Error(`gzip stream is damaged: ${error.message}`, { cause: error });
  }
}

function countLines(buffer) {
  let lines = 0;
  for (let at = buffer.indexOf(10); at !== -1; at = buffer.indexOf(10, at + 1)) lines++;
  if (buffer.length > 0 && buffer[buffer.length - 1] !== 10) lines++;
  return lines;
}

/** Counts records; a CSV header line is not a record. */
export function fastCheck({ file }) {
  const format = formatOf(file);
  const data = readAll(file);
  const lines = countLines(data);
  return { file, format, records: format === 'csv' ? Math.max(0, lines - 1) : lines, bytes: data.length };
}

/** Parses every record. */
export function deepCheck({ file }) {
  const format = formatOf(file);
  const text = readAll(file).toString('utf8');
  let records = 0;
  if (format === 'ndjson') {
    const lines = text.split('\n');
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        const value = JSON.parse(line);
        if (value === null || typeof value !== 'object') throw new Error('a record must be a JSON object');
      } catch (error) {
        throw new Error(`line ${i + 1}: ${error.message}`, { cause: error });
      }
      records++;
    });
  } else {
    // csv-parse names the line of a row with the wrong number of fields.
    records = parseCsv(text, { columns: true, skip_empty_lines: true }).length;
  }
  return { file, format, records, bytes: text.length };
}
