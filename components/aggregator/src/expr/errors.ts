/** The error a rule expression raises when it cannot be parsed: a config error naming the expression. */
import { TributaryError, type TributaryErrorOptions } from '../../../core/src/errors';

export const ExpressionErrorCode = {
  /** The expression text is not valid (syntax, unknown function, wrong argument count). */
  Invalid: 'expression_invalid',
} as const;

/**
 * Message: `<expression>: <what was expected> at column <n>` (1-based; the column after the last
 * character means "at the end"). `details` carries `expression`, `column` and `reason`. An
 * expression longer than MESSAGE_TEXT_LIMIT characters is cut short in the message (not in details).
 */
export const MESSAGE_TEXT_LIMIT = 200;

export class ExpressionError extends TributaryError {
  readonly expression: string;
  readonly column: number;
  readonly reason: string;

  constructor(expression: string, column: number, reason: string, options: TributaryErrorOptions = {}) {
    const shown = expression.length > MESSAGE_TEXT_LIMIT ? `${expression.slice(0, MESSAGE_TEXT_LIMIT)}…` : expression;
    super(ExpressionErrorCode.Invalid, `${shown}: ${reason} at column ${column}`, {
      ...options,
      details: { expression, column, reason, ...options.details },
    });
    this.expression = expression;
    this.column = column;
    this.reason = reason;
  }
}
