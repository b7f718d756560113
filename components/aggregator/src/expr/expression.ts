/**
 * Rule expressions over a record's fields, in the spirit of AWS IoT rules:
 * `rpm > 2700 and load > 90`, `quality in ('BAD', 'UNCERTAIN')`, `code like 'P0%'`.
 * Parsed once into a closure tree (no eval, no Function); evaluation never throws.
 */
import { collectFields, compileNode, type Evaluator, type FieldRecord } from './compile';
import { ExpressionError } from './errors';
import { parse } from './parser';

export type { FieldRecord } from './compile';

export interface Expression {
  /** The source text, as given. */
  readonly text: string;
  /** The value of the expression for a record (`undefined` when it reads missing fields). */
  evaluate(record: FieldRecord): unknown;
  /** True when the expression evaluates to exactly `true` for the record. */
  test(record: FieldRecord): boolean;
}

const EMPTY: FieldRecord = Object.freeze({});

class CompiledExpression implements Expression {
  constructor(
    readonly text: string,
    private readonly run: Evaluator,
    readonly fields: readonly string[],
  ) {}

  evaluate(record: FieldRecord): unknown {
    return this.run(record !== null && typeof record === 'object' ? record : EMPTY);
  }

  test(record: FieldRecord): boolean {
    return this.run(record !== null && typeof record === 'object' ? record : EMPTY) === true;
  }
}

/** Parses and compiles an expression. Throws ExpressionError (`expression_invalid`) naming the column. */
export function parseExpression(text: string): Expression {
  if (typeof text !== 'string') throw new ExpressionError(String(text), 1, 'expected the expression to be a string');
  const tree = parse(text);
  return new CompiledExpression(text, compileNode(tree), Object.freeze(collectFields(tree)));
}

/** The field names an expression reads (including `exists(...)` arguments), each once, in order. */
export function fieldsOf(expr: Expression): string[] {
  if (expr instanceof CompiledExpression) return [...expr.fields];
  return collectFields(parse(expr.text));
}
