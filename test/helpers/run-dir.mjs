// Each multi-process run keeps its workers' files under <out>/workers/<run id>/; run ids
// sort by start time, so the last one listed is the latest run's.
import fs from 'node:fs';
import path from 'node:path';

/** The latest run's directory under `<out>/<workerDir>`, or undefined before any run made one. */
export function latestRunDir(out, workerDir = 'workers') {
  const base = path.join(out, workerDir);
  let names;
  try {
    names = fs.readdirSync(base).filter((n) => /^\d{8}T\d{6}\.\d{3}Z-\d+/.test(n)).sort();
  } catch {
    return undefined;
  }
  return names.length ? path.join(base, names[names.length - 1]) : undefined;
}

/** `parts` inside the latest run's directory (a path that may not exist yet), or a path that never exists. */
export function runFile(out, ...parts) {
  const dir = latestRunDir(out);
  return dir ? path.join(dir, ...parts) : path.join(out, 'workers', '<no run yet>', ...parts);
}
