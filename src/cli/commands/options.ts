// `cowloop options <file> [--print] [--format opts|json|gaudi] [-D NAME] [--strict]`: reads
// a job options file with its includes and prints the resolved catalogue.
import type { Command } from 'commander';
import { formatGaudiOptions, formatJobOptions } from '../../options/format.js';
import { loadJobOptions } from '../../options/load.js';
import { JobOptionsError } from '../../options/errors.js';
import type { OptionValue } from '../../options/types.js';
import type { RegisterCommand } from '../commands.js';
import { EXIT } from '../exit-codes.js';

const FORMATS = ['opts', 'json', 'gaudi'] as const;
type Format = (typeof FORMATS)[number];

interface OptionsFlags {
  print?: boolean;
  json?: boolean;
  format?: string;
  define: string[];
  locations?: boolean;
  strict?: boolean;
}

export const registerOptionsCommand: RegisterCommand = (program: Command, setExitCode) => {
  program
    .command('options')
    .description('read a job options file (.opts, .json, .js, .mjs) with its includes and print the resolved options')
    .argument('<file>', 'job options file')
    .option('--print', 'also echo each file and assignment as it is read (honours #pragma print)')
    .option('--format <format>', 'opts (default: .opts text), json ({ Client: { Property: value } }) or gaudi (Gaudi\'s dump: Client.Property = value; sorted)')
    .option('--json', 'the same as --format json')
    .option('--locations', 'end each .opts line with the file:line:column that set it')
    .option('--strict', 'make a file included twice, and an include cycle, errors (Gaudi skips them with a warning)')
    .option('-D, --define <name>', 'define NAME for #ifdef (repeatable)', (name: string, all: string[]) => [...all, name], [])
    .action(async (file: string, flags: OptionsFlags) => {
      const format = (flags.json ? 'json' : (flags.format ?? 'opts')) as Format;
      if (!FORMATS.includes(format)) {
        process.stderr.write(`cowloop: --format must be one of ${FORMATS.join(', ')} (got ${JSON.stringify(flags.format)})\n`);
        setExitCode(EXIT.USAGE);
        return;
      }
      // Keep stdout valid JSON or a clean dump: echoed lines then go to stderr.
      const out = format === 'opts' ? process.stdout : process.stderr;
      try {
        const options = await loadJobOptions(file, {
          defines: flags.define,
          echo: flags.print === true,
          strict: flags.strict === true,
          print: (line) => void out.write(`${line}\n`),
        });
        let text: string;
        if (format === 'json') text = `${jsonText(options.toObject())}\n`;
        else if (format === 'gaudi') text = formatGaudiOptions(options);
        else text = formatJobOptions(options, { locations: flags.locations === true });
        process.stdout.write(text);
        setExitCode(EXIT.OK);
      } catch (error) {
        if (!(error instanceof JobOptionsError)) throw error;
        const [first, ...rest] = error.message.split('\n');
        process.stderr.write(`cowloop: ${first} [${error.code}]\n${rest.map((l) => `${l}\n`).join('')}`);
        setExitCode(EXIT.CONFIG);
      }
    });
};

/** JSON with big integers written as their exact digits (JSON numbers have no limit). */
function jsonText(object: Record<string, Record<string, OptionValue>>): string {
  const marks: string[] = [];
  const text = JSON.stringify(
    object,
    (_key, value: unknown) => {
      if (typeof value !== 'bigint') return value;
      marks.push(String(value));
      return `\u0000bigint${marks.length - 1}\u0000`;
    },
    2,
  );
  return text.replace(/"\\u0000bigint(\d+)\\u0000"/g, (_, i: string) => marks[Number(i)]!);
}
