// Message levels, numbered as in Gaudi so `OutputLevel = 2;` and `OutputLevel = "DEBUG";`
// mean the same thing.
import { PropertyValueError, type PropertySpec } from './properties.js';

export const Level = {
  VERBOSE: 1,
  DEBUG: 2,
  INFO: 3,
  WARNING: 4,
  ERROR: 5,
  FATAL: 6,
} as const;

export type LevelName = keyof typeof Level;
export type LevelNumber = (typeof Level)[LevelName];

export const LEVEL_NAMES: readonly LevelName[] = ['VERBOSE', 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'FATAL'];

export function levelName(level: number): LevelName {
  return LEVEL_NAMES[Math.min(Math.max(level, 1), 6) - 1] as LevelName;
}

/** Accepts a level number (1..6) or a name, case-insensitive; null means "use the default". */
export function parseLevel(value: unknown): LevelNumber | null {
  if (value === null) return null;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 6) return value as LevelNumber;
  if (typeof value === 'string') {
    const upper = value.toUpperCase();
    if (upper in Level) return Level[upper as LevelName];
  }
  throw new PropertyValueError(`expected a level (${LEVEL_NAMES.join(', ')} or 1..6), got ${JSON.stringify(value)}`);
}

/** The OutputLevel property type. `null` (the default) defers to MessageSvc.OutputLevel. */
export function levelProperty(def: LevelNumber | null, doc: string): PropertySpec<LevelNumber | null> {
  return Object.freeze({
    kind: 'level' as const,
    default: def,
    doc,
    typeName: `level (${LEVEL_NAMES.join(' | ')} or 1..6)`,
    convert: parseLevel,
  });
}
