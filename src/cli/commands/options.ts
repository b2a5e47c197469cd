// `cowloop options <file> [--print] [--json] [-D NAME]`: reads a job options file with
// its includes and prints the resolved catalogue, as .opts text (default) or JSON.
import type { Command } from 'commander';
import { formatJobOptions } from '../../options/format.js';
import { loadJobOptions } from '../../options/load.js';
import { JobOptionsError } from '../../options/errors.js';
import type { RegisterCommand } from '../commands.js';
import { EXIT } from '../exit-codes.js';

interface OptionsFlags {
  print?: boolean;
  json?: boolean;
  define: string[];
  locations?: boolean;
}

export const registerOptionsCommand: RegisterCommand = (program: Command, setExitCode) => {
  program
    .command('options')
    .description('read a job options file (.opts, .json, .js, .mjs) with its includes and print the resolved options')
    .argument('<file>', 'job options file')
    .option('--print', 'also echo each file and assignment as it is read (honours #pragma print)')
    .option('--json', 'print the resolved options as JSON { Client: { Property: value } }')
    .option('--locations', 'end each .opts line with the file:line:column that set it')
    .option('-D, --define <name>', 'define NAME for #ifdef (repeatable)', (name: string, all: string[]) => [...all, name], [])
    .action(async (file: string, flags: OptionsFlags) => {
      // Keep stdout valid JSON with --json: echoed lines then go to stderr.
      const out = flags.json ? process.stderr : process.stdout;
      try {
        const options = await loadJobOptions(file, {
          defines: flags.define,
          echo: flags.print === true,
          print: (line) => void out.write(`${line}\n`),
        });
        if (flags.json) process.stdout.write(`${JSON.stringify(options.toObject(), null, 2)}\n`);
        else process.stdout.write(formatJobOptions(options, { locations: flags.locations === true }));
        setExitCode(EXIT.OK);
      } catch (error) {
        if (!(error instanceof JobOptionsError)) throw error;
        const [first, ...rest] = error.message.split('\n');
        process.stderr.write(`cowloop: ${first} [${error.code}]\n${rest.map((l) => `${l}\n`).join('')}`);
        setExitCode(EXIT.CONFIG);
      }
    });
};
