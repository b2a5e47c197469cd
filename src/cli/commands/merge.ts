// `cowloop merge <files>... -o <out>`: merges per-worker outputs by hand, the way the
// master does at finalize (records by event number, histograms bin by bin).
import type { Command } from 'commander';
import { CowloopError, ErrorCodes } from '../../errors.js';
import { outputFormatOf } from '../../io/format.js';
import { mergeOutputs } from '../../io/merge/merge-outputs.js';
import type { RegisterCommand } from '../commands.js';
import { EXIT } from '../exit-codes.js';

interface MergeFlags {
  output?: string;
  format?: string;
  removeInputs?: boolean;
  allowMissing?: boolean;
  json?: boolean;
}

export const registerMergeCommand: RegisterCommand = (program: Command, setExitCode) => {
  program
    .command('merge')
    .description('merge per-worker output files into one: NDJSON/CSV in event order (duplicates dropped), histogram .json added bin by bin')
    .argument('<files...>', 'input files, all of one format')
    .requiredOption('-o, --output <file>', 'merged file; its extension (.ndjson, .jsonl, .csv, .json) picks the format')
    .option('--format <format>', 'ndjson or csv, when the output extension says neither')
    .option('--remove-inputs', 'delete the inputs once the merged file is in place')
    .option('--allow-missing', 'skip inputs that do not exist')
    .option('--json', 'print the merge statistics as JSON')
    .action((files: string[], flags: MergeFlags) => {
      if (!flags.output) throw new CowloopError(ErrorCodes.ERR_COWLOOP_INVALID_ARGUMENT, 'merge needs -o <file>');
      const stats = mergeOutputs(files, flags.output, {
        format: flags.format,
        removeInputs: flags.removeInputs === true,
        allowMissing: flags.allowMissing === true,
      });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(stats, null, 2)}\n`);
      } else {
        const notes = [
          stats.duplicates ? `${stats.duplicates} duplicate${stats.duplicates === 1 ? '' : 's'} dropped` : '',
          stats.conflicts ? `${stats.conflicts} of them differing from the copy kept` : '',
          stats.truncated ? `${stats.truncated} cut-off last record${stats.truncated === 1 ? '' : 's'} dropped` : '',
          stats.missing.length ? `missing: ${stats.missing.join(', ')}` : '',
        ].filter(Boolean);
        const noun = outputFormatOf(stats.output) === 'histograms' ? 'histogram' : 'record';
        const what = `${stats.records} ${noun}${stats.records === 1 ? '' : 's'}`;
        process.stdout.write(`merged ${files.length} files into ${stats.output}: ${what}${notes.length ? `; ${notes.join('; ')}` : ''}\n`);
      }
      if (stats.conflicts > 0) {
        process.stderr.write(`cowloop merge: warning: ${stats.conflicts} event(s) were written twice with different content; the first copy was kept\n`);
      }
      setExitCode(EXIT.OK);
    });
};
