// The data model of job options, shared by the parsers (src/options) and the framework
// that applies them (src/framework). Configuration is flat `Client.Property` keys with
// serialisable values, so it can cross a fork or a wire.

export interface SourceLocation {
  file: string; // path as given, or "<object>", "<command line>"
  line: number; // 1-based
  column: number; // 1-based
}

export type OptionValue =
  | string
  | number
  // An integer literal beyond 2^53 in .opts or JSON text, kept exact.
  | bigint
  | boolean
  | OptionValue[]
  | { [key: string]: OptionValue };

export interface OptionEntry {
  client: string; // component instance name, e.g. "Finder"
  property: string; // property name, e.g. "MinHits"
  value: OptionValue;
  location: SourceLocation; // where the value was last set
}

/** The resolved catalogue: the result of reading an options file (and its includes). */
export interface JobOptions {
  /** Every entry, in the order clients and properties were first set. */
  entries(): OptionEntry[];
  get(client: string, property: string): OptionEntry | undefined;
  has(client: string, property: string): boolean;
  /** Property entries of one client (empty map when none). */
  client(client: string): Map<string, OptionEntry>;
  clients(): string[];
  /** Overrides from code or the command line. */
  set(client: string, property: string, value: OptionValue, location?: SourceLocation): void;
  /** A plain `{ Client: { Property: value } }` object; round-trips through fromObject. */
  toObject(): Record<string, Record<string, OptionValue>>;
}
