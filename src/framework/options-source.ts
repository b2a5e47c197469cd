// How an application gets its job options: a file (.opts, .json, .js/.mjs), a JobOptions
// catalogue, or a plain `{ Client: { Property: value } }` object.
import { jobOptionsFromObject, loadJobOptions } from '../options/load.js';
import type { JobOptions, OptionValue } from '../options/types.js';

export type PlainOptions = Record<string, Record<string, OptionValue>>;
export type OptionsInput = string | JobOptions | PlainOptions;

export function isJobOptions(value: unknown): value is JobOptions {
  const v = value as Partial<JobOptions> | null;
  return !!v && typeof v.entries === 'function' && typeof v.client === 'function' && typeof v.set === 'function';
}

/** Resolves an OptionsInput to a JobOptions catalogue; `strict` applies to a file read here. */
export async function loadOptionsInput(input: OptionsInput | undefined, read: { strict?: boolean } = {}): Promise<JobOptions> {
  if (input === undefined) return jobOptionsFromObject({});
  if (isJobOptions(input)) return input;
  if (typeof input === 'string') return loadJobOptions(input, { strict: read.strict === true });
  return jobOptionsFromObject(input);
}
