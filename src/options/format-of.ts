// Which reader a job options file needs, by its extension.
import * as path from 'node:path';

export type JobOptionsFormat = 'opts' | 'json' | 'module';

/** `.json` and `.js`/`.cjs`/`.mjs` by extension; anything else is read as .opts text. */
export function jobOptionsFormat(file: string): JobOptionsFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.js' || ext === '.cjs' || ext === '.mjs') return 'module';
  return 'opts';
}
