// Paths in the repository under test, found from this file's place (test/helpers/).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root directory. */
export const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The cowloop command's script. */
export const bin = path.join(root, 'bin', 'cowloop.js');
