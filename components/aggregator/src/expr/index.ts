export { parseExpression, fieldsOf, type Expression, type FieldRecord } from './expression';
export { ExpressionError, ExpressionErrorCode } from './errors';
