/** The parsed form of a rule expression, before it is compiled into closures. */

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';
export type ArithmeticOp = '+' | '-' | '*' | '/' | '%';

export type Node =
  | { type: 'literal'; value: number | string | boolean | null }
  | { type: 'field'; name: string; path: string[] }
  | { type: 'not'; operand: Node }
  | { type: 'and' | 'or'; left: Node; right: Node }
  | { type: 'compare'; op: CompareOp; left: Node; right: Node }
  | { type: 'arithmetic'; op: ArithmeticOp; left: Node; right: Node }
  | { type: 'negate'; operand: Node }
  | { type: 'in'; value: Node; list: Node[]; negated: boolean }
  | { type: 'between'; value: Node; low: Node; high: Node; negated: boolean }
  | { type: 'like'; value: Node; pattern: Node; negated: boolean }
  | { type: 'call'; name: string; args: Node[] };
