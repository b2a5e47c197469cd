// Job options: the .opts language, .json files and .js/.mjs modules, read as data.
export type { JobOptions, OptionEntry, OptionValue, SourceLocation } from './types.js';
export { JobOptionsCatalogue } from './catalogue.js';
export { JobOptionsError, formatLocation, sourceExcerpt } from './errors.js';
export { formatJobOptions, formatValue as formatOptionValue, type FormatJobOptionsOptions } from './format.js';
export {
  jobOptionsFormat,
  jobOptionsFromObject,
  loadJobOptions,
  parseJobOptions,
  type LoadJobOptionsOptions,
} from './load.js';
export type { JobOptionsConfig, JobOptionsModule } from './module.js';
export { didYouMean, levenshtein, splitKey, suggestNearest } from './names.js';
export { valuesEqual as optionValuesEqual } from './values.js';
