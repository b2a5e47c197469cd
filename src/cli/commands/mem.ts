// `cowloop mem <pid>... [--tree] [--json] [--kinds]`: what processes really occupy,
// shared pages counted once (PSS), split into code and data, private and shared.
import type { Command } from 'commander';
import { invalidArgument } from '../../errors.js';
import { formatMemoryReport, memoryReport, processTree } from '../../mem/index.js';
import type { RegisterCommand } from '../commands.js';
import { EXIT } from '../exit-codes.js';

interface MemFlags {
  tree?: boolean;
  json?: boolean;
  kinds?: boolean;
}

function parsePid(text: string, index: number): number {
  const pid = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(pid) || pid <= 0) {
    throw invalidArgument(`pid argument ${index + 1}`, 'a positive integer process id', text);
  }
  return pid;
}

export const registerMemCommand: RegisterCommand = (program: Command, setExitCode) => {
  program
    .command('mem')
    .description(
      'memory of processes from /proc/<pid>/smaps: code and data, private and shared, PSS, USS',
    )
    .argument('<pid...>', 'process ids')
    .option('--tree', 'each pid and all its descendants (a master and its workers)')
    .option('--json', 'print the report as JSON')
    .option(
      '--kinds',
      'split data into V8 heap, external (malloc, ArrayBuffer stores) and file data',
    )
    .action((pidTexts: string[], flags: MemFlags) => {
      const roots = pidTexts.map(parsePid);
      const pids = flags.tree ? roots.flatMap((pid) => processTree(pid)) : roots;
      // Processes found through --tree may exit while they are read; named pids must exist.
      const report = memoryReport(pids, { skipMissing: flags.tree === true });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      } else {
        process.stdout.write(formatMemoryReport(report, { kinds: flags.kinds === true }));
      }
      setExitCode(EXIT.OK);
    });
};
