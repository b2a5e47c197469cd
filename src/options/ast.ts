// The syntax tree of one .opts file. Values stay unresolved (units and references are
// looked up when the statement runs, since both depend on what ran before).
import type { SourceLocation } from './types.js';

export type AssignOperator = '=' | '+=' | '-=';

export type ValueNode =
  | { kind: 'number'; value: number; unit?: { name: string; location: SourceLocation }; location: SourceLocation }
  | { kind: 'string'; value: string; location: SourceLocation }
  | { kind: 'boolean'; value: boolean; location: SourceLocation }
  | { kind: 'list'; items: ValueNode[]; location: SourceLocation }
  | { kind: 'map'; entries: { key: string; value: ValueNode }[]; location: SourceLocation }
  | { kind: 'reference'; client: string; property: string; location: SourceLocation };

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
  | { kind: 'print-options'; location: SourceLocation };
