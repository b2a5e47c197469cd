// The ROOT files tests read: shared/data/root beside the repository (CI copies shared/ there,
// read-only). COWLOOP_TEST_ROOT_DATA points elsewhere, for a checkout that lives away from
// shared/. Tests that need the files skip, saying why, when the folder is absent.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const rootData = process.env.COWLOOP_TEST_ROOT_DATA || path.join(repoRoot, '..', 'shared', 'data', 'root');

/** A file of the data folder. */
export function rootFile(name) {
  return path.join(rootData, name);
}

/** `{ skip: reason }` for node:test when the data folder is missing, else `{}`. */
export const needsRootData = fs.existsSync(path.join(rootData, 'uproot-HZZ.root'))
  ? {}
  : { skip: `the ROOT test files are not at ${rootData} (shared/data/root beside the repository)` };
