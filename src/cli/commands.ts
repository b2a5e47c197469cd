// The subcommands of the cowloop command. Each module adds its command to the program and
// reports its exit code through `setExitCode`. Add one import and one list entry per command.
import type { Command } from 'commander';
import { registerMemCommand } from './commands/mem.js';
import { registerMergeCommand } from './commands/merge.js';
import { registerOptionsCommand } from './commands/options.js';
import { registerRunCommand } from './commands/run.js';
import { registerStatusCommand } from './commands/status.js';
import { registerSubmitCommand } from './commands/submit.js';
import { registerWorkCommand } from './commands/work.js';

export type RegisterCommand = (program: Command, setExitCode: (code: number) => void) => void;

export const commands: RegisterCommand[] = [registerMemCommand, registerMergeCommand, registerOptionsCommand, registerRunCommand, registerStatusCommand, registerSubmitCommand, registerWorkCommand];
