// Synthetic events computed from the event number: no file, same values in every process.
import { CowloopError, ErrorCodes } from '../../errors.js';
import type { RecordData } from './record-file.js';

/** Makes the data of one event from its number; must depend on nothing else. */
export type EventGenerator = (event: number) => RecordData;

/** A 32-bit mix of an integer (splitmix32-style): cheap, well spread, platform independent. */
export function hash32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** The built-in generator: a few numbers derived from the event number. */
export const defaultEventGenerator: EventGenerator = (event) => {
  const a = hash32(event);
  const b = hash32(a ^ event);
  return { seed: a, x: a / 4294967296, y: b / 4294967296, n: b % 100 };
};

const generators = new Map<string, EventGenerator>([['default', defaultEventGenerator]]);

/** Makes `generator:<name>:<N>` inputs available. */
export function registerEventGenerator(name: string, generator: EventGenerator): void {
  if (!/^[A-Za-z_][\w.-]*$/.test(name)) {
    throw new CowloopError(
      ErrorCodes.ERR_COWLOOP_INVALID_ARGUMENT,
      `generator name must be a word such as "hits" (got ${JSON.stringify(name)})`,
    );
  }
  generators.set(name, generator);
}

export function findEventGenerator(name: string): EventGenerator {
  const found = generators.get(name);
  if (!found) {
    throw new CowloopError(
      ErrorCodes.ERR_COWLOOP_IO_INPUT,
      `no event generator named ${JSON.stringify(name)}: known ones are ${[...generators.keys()].join(', ')}; register it with registerEventGenerator()`,
    );
  }
  return found;
}

export interface GeneratorSpec {
  name: string;
  count: number;
}

/** Parses `generator:<N>` or `generator:<name>:<N>`; null when the input is not a generator. */
export function parseGeneratorInput(input: string): GeneratorSpec | null {
  if (!input.startsWith('generator:')) return null;
  const m = /^generator:(?:([A-Za-z_][\w.-]*):)?(\d+)$/.exec(input);
  if (!m) {
    throw new CowloopError(
      ErrorCodes.ERR_COWLOOP_IO_INPUT,
      `bad generator input ${JSON.stringify(input)}: write "generator:<N>" or "generator:<name>:<N>" with N a whole number of events`,
    );
  }
  return { name: m[1] ?? 'default', count: Number(m[2]) };
}
