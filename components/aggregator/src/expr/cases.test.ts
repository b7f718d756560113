/**
 * Case folders: `cases/<name>/case.json` holds either
 *   { expression, records: [...], expected: [test() per record], values?: [evaluate() per record], fields?: [...] }
 * or
 *   { expression, error: 'substring of the message', column?: n }.
 * In `values`, the string "$undefined" stands for `undefined` (JSON has no such value).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TributaryError } from '../../../core/src/errors';
import { ExpressionError, fieldsOf, parseExpression } from './index';

const CASES = join(__dirname, 'cases');
const ALLOWED = new Set(['description', 'expression', 'records', 'expected', 'values', 'fields', 'error', 'column']);

interface Case {
  description?: string;
  expression: string;
  records?: Array<Record<string, unknown>>;
  expected?: boolean[];
  values?: unknown[];
  fields?: string[];
  error?: string;
  column?: number;
}

function load(name: string): Case {
  const c = JSON.parse(readFileSync(join(CASES, name, 'case.json'), 'utf8')) as Case;
  for (const key of Object.keys(c)) if (!ALLOWED.has(key)) throw new Error(`${name}: unknown key ${key}`);
  if (typeof c.expression !== 'string') throw new Error(`${name}: expression must be a string`);
  if (c.error === undefined) {
    if (!Array.isArray(c.records) || c.records.length === 0) throw new Error(`${name}: records must be a non-empty array`);
    if (!Array.isArray(c.expected) || c.expected.length !== c.records.length) throw new Error(`${name}: expected must have one entry per record`);
    if (c.values !== undefined && c.values.length !== c.records.length) throw new Error(`${name}: values must have one entry per record`);
  } else if (c.records !== undefined || c.expected !== undefined || c.values !== undefined) {
    throw new Error(`${name}: an error case has no records, expected or values`);
  }
  return c;
}

const names = readdirSync(CASES, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();
const cases = names.map((name) => [name, load(name)] as const);
const good = cases.filter(([, c]) => c.error === undefined);
const bad = cases.filter(([, c]) => c.error !== undefined);

test('there are enough cases of each kind', () => {
  expect(good.length).toBeGreaterThanOrEqual(30);
  expect(bad.length).toBeGreaterThanOrEqual(10);
});

describe.each(good)('%s', (_name, c) => {
  const expr = parseExpression(c.expression);

  test('test() gives the expected result per record', () => {
    expect(c.records!.map((r) => expr.test(r))).toEqual(c.expected);
  });

  if (c.values !== undefined) {
    test('evaluate() gives the expected value per record', () => {
      const actual = c.records!.map((r) => {
        const v = expr.evaluate(r);
        return v === undefined ? '$undefined' : v;
      });
      expect(actual).toEqual(c.values);
    });
  }

  if (c.fields !== undefined) {
    test('fieldsOf() lists the fields read', () => {
      expect(fieldsOf(expr)).toEqual(c.fields);
    });
  }
});

describe.each(bad)('%s', (_name, c) => {
  test('is rejected with an ExpressionError naming the expression and column', () => {
    let caught: unknown;
    try {
      parseExpression(c.expression);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ExpressionError);
    expect(caught).toBeInstanceOf(TributaryError);
    const err = caught as ExpressionError;
    expect(err.code).toBe('expression_invalid');
    expect(err.message.startsWith(`${c.expression}: `)).toBe(true);
    expect(err.message).toContain(c.error);
    expect(err.message).toMatch(/ at column \d+$/);
    expect(err.details).toMatchObject({ expression: c.expression, column: err.column });
    if (c.column !== undefined) expect(err.column).toBe(c.column);
  });
});
