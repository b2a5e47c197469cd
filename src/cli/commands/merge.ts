// `cowloop merge <files>... -o <out>`: merges per-worker outputs by hand, the way the
// master does at finalize (records by event number, histograms bin by bin).
// `cowloop merge --job <out>`: merges the shards of a job (src/shard/merge-job.ts).
import type { Command } from 'commander';
import { CowloopError, ErrorCodes } from '../../errors.js';
import { outputFormatOf } from '../../io/format.js';
import { mergeOutputs } from '../../io/merge/merge-outputs.js';
import { expectationOf, readJobRecord } from '../../shard/job-record.js';
import { mergeJob, type JobMergeResult } from '../../shard/merge-job.js';
import type { RegisterCommand } from '../commands.js';
import { EXIT } from '../exit-codes.js';

/** What a job's merge wrote, in one line (`cowloop merge --job`, `cowloop work --merge`). */
export function jobMergeLine(result: JobMergeResult): string {
  const list = result.outputs.map((o) => `${o.file} (${o.records} ${o.name.endsWith('.json') ? 'histograms' : 'records'})`).join(', ');
  return `merged ${result.shards} shards (${result.processed} events, ${result.failed} failed) into ${list || 'no outputs'}`;
}

interface MergeFlags {
  output?: string;
  format?: string;
  removeInputs?: boolean;
  allowMissing?: boolean;
  json?: boolean;
  job?: string;
}

export const registerMergeCommand: RegisterCommand = (program: Command, setExitCode) => {
  program
    .command('merge')
    .description('merge per-worker output files into one: NDJSON/CSV in event order (duplicates dropped), histogram .json added bin by bin')
    .argument('[files...]', 'input files, all of one format')
    .option('-o, --output <file>', 'merged file; its extension (.ndjson, .jsonl, .csv, .json) picks the format')
    .option('--job <dir>', 'merge every shard under DIR/shards/ into DIR (the outputs of cowloop run --shard i/N --out DIR)')
    .option('--format <format>', 'ndjson or csv, when the output extension says neither')
    .option('--remove-inputs', 'delete the inputs once the merged file is in place')
    .option('--allow-missing', 'skip inputs that do not exist')
    .option('--json', 'print the merge statistics as JSON')
    .action((files: string[], flags: MergeFlags) => {
      if (flags.job !== undefined) {
        if (files.length > 0 || flags.output) throw new CowloopError(ErrorCodes.ERR_COWLOOP_INVALID_ARGUMENT, 'merge --job DIR takes no input files and no -o: the shards and the output paths come from DIR');
        const result = mergeJob(flags.job, expectationOf(readJobRecord(flags.job)));
        if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        else process.stdout.write(`${jobMergeLine(result)}\n`);
        setExitCode(EXIT.OK);
        return;
      }
      if (files.length === 0) throw new CowloopError(ErrorCodes.ERR_COWLOOP_INVALID_ARGUMENT, 'merge needs input files and -o <file> (or --job DIR)');
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
