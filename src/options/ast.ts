// The syntax tree of one .opts file. Values stay unresolved: units and copies are looked
// up when the statement runs, `@` references once every file has been read.
import type { SourceLocation } from './types.js';

export type AssignOperator = '=' | '+=' | '-=';

export type ValueNode =
  // `text` is the number as Gaudi's reader keeps it: as written, sign included, without a trailing `L`.
  | { kind: 'number'; value: number | bigint; text: string; unit?: { name: string; location: SourceLocation }; location: SourceLocation }
  | { kind: 'string'; value: string; location: SourceLocation }
  | { kind: 'boolean'; value: boolean; location: SourceLocation }
  // `braces`: written `{ ... }` (Gaudi reads an empty `{}` as an empty map).
  | { kind: 'list'; items: ValueNode[]; braces?: boolean; location: SourceLocation }
  // Keys are strings, numbers (with units) or booleans, as in Gaudi; a key becomes text.
  | { kind: 'map'; entries: { key: ValueNode; value: ValueNode }[]; location: SourceLocation }
  // `@Client.Property`: the value Client.Property has once every file has been read.
  | { kind: 'reference'; client: string; property: string; location: SourceLocation }
  // A bare `Client.Property`: the value it has at this line.
  | { kind: 'copy'; client: string; property: string; location: SourceLocation };

export type Statement =
  | {
      kind: 'assign';
      client: string;
      property: string;
      operator: AssignOperator;
      value: ValueNode;
      location: SourceLocation;
    }
  | { kind: 'include'; path: string; location: SourceLocation }
  | { kind: 'units'; path: string; location: SourceLocation }
  | { kind: 'conditional'; name: string; negate: boolean; then: Statement[]; otherwise: Statement[]; location: SourceLocation }
  | { kind: 'pragma-print'; on: boolean; location: SourceLocation }
  | { kind: 'pragma-tree'; location: SourceLocation }
  | { kind: 'dump-file'; path: string; location: SourceLocation }
  // `#printOptions` prints what is read so far; `#printOptions full` (Gaudi's form) prints
  // every option in Gaudi's dump format once all files are read.
  | { kind: 'print-options'; full: boolean; location: SourceLocation };
