import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorCode } from '../../../core/src/errors';
import { ExpressionError, ExpressionErrorCode, fieldsOf, parseExpression } from './index';
import { MAX_TOKENS } from './parser';

describe('parseExpression', () => {
  test('returns an expression that keeps its text and can be evaluated many times', () => {
    const expr = parseExpression('rpm > 2700 and load > 90');
    expect(expr.text).toBe('rpm > 2700 and load > 90');
    expect(expr.test({ rpm: 2800, load: 95 })).toBe(true);
    expect(expr.test({ rpm: 2600, load: 95 })).toBe(false);
    expect(expr.evaluate({ rpm: 2800, load: 95 })).toBe(true);
  });

  test('the message names the expression, the column and what was expected', () => {
    expect(() => parseExpression('rpm > ')).toThrow(new ExpressionError('rpm > ', 7, 'expected a value'));
    expect(() => parseExpression('rpm > ')).toThrow('rpm > : expected a value at column 7');
    try {
      parseExpression('speed >> 3');
      throw new Error('not rejected');
    } catch (err) {
      expect(err).toBeInstanceOf(ExpressionError);
      expect(errorCode(err)).toBe(ExpressionErrorCode.Invalid);
      expect(errorCode(err)).toBe('expression_invalid');
      const e = err as ExpressionError;
      expect(e.name).toBe('ExpressionError');
      expect(e.column).toBe(8);
      expect(e.reason).toBe("expected a value, found '>'");
      expect(e.details).toEqual({ expression: 'speed >> 3', column: 8, reason: "expected a value, found '>'" });
    }
  });

  test('rejects a value that is not a string with an ExpressionError', () => {
    expect(() => parseExpression(42 as unknown as string)).toThrow(ExpressionError);
    expect(() => parseExpression(undefined as unknown as string)).toThrow(ExpressionError);
  });

  test('deep nesting and very long expressions are errors, not stack overflows', () => {
    expect(() => parseExpression('not '.repeat(1000) + 'x')).toThrow(/nested deeper than 64 levels/);
    expect(() => parseExpression('-'.repeat(1000) + '1')).toThrow(/nested deeper than 64 levels/);
    expect(() => parseExpression('abs('.repeat(1000) + 'x' + ')'.repeat(1000))).toThrow(/nested deeper/);
    const long = 'a' + ' + a'.repeat(100_000);
    expect(() => parseExpression(long)).toThrow(new RegExp(`longer than ${MAX_TOKENS} tokens`));
    try {
      parseExpression(long);
    } catch (err) {
      const e = err as ExpressionError;
      expect(e.message.length).toBeLessThan(300);
      expect(e.message.startsWith(`${long.slice(0, 200)}…: `)).toBe(true);
      expect(e.expression).toBe(long);
    }
  });

  test('the longest allowed operator chain still evaluates', () => {
    const n = Math.floor(MAX_TOKENS / 2);
    const expr = parseExpression('a' + ' + a'.repeat(n - 1));
    expect(expr.evaluate({ a: 1 })).toBe(n);
    const ors = parseExpression('a = 0' + ' or a = 0'.repeat(Math.floor(MAX_TOKENS / 4) - 1));
    expect(ors.test({ a: 1 })).toBe(false);
    expect(ors.test({ a: 0 })).toBe(true);
  });
});

describe('evaluation', () => {
  test('never throws, whatever the record holds', () => {
    const expr = parseExpression(
      "a.b.c > 1 or lower(a) like 'x%' or round(a, b) = 1 or min(a, b) between a and b or a / b = 0 or -a in (a, b) or exists(a.b)",
    );
    const odd: unknown[] = [null, undefined, 0, 'text', [], [1, 2], { a: { b: null } }, { a: [1] }, { a: Symbol('s') }, { a: 1n }, Object.create(null)];
    for (const r of odd) {
      expect(() => expr.evaluate(r as Record<string, unknown>)).not.toThrow();
      expect(typeof expr.test(r as Record<string, unknown>)).toBe('boolean');
    }
  });

  test('a like pattern taken from a field is compiled when it changes', () => {
    const expr = parseExpression('code like prefix + \'%\'');
    expect(expr.test({ code: 'P0301', prefix: 'P0' })).toBe(true);
    expect(expr.test({ code: 'P0301', prefix: 'P0' })).toBe(true);
    expect(expr.test({ code: 'P0301', prefix: 'B1' })).toBe(false);
    expect(expr.test({ code: 'P0301', prefix: 3 })).toBe(false);
    const negated = parseExpression('code not like prefix');
    expect(negated.test({ code: 'P0301', prefix: 'B%' })).toBe(true);
    expect(negated.test({ code: 'P0301', prefix: 'P%' })).toBe(false);
    expect(negated.test({ code: 'P0301' })).toBe(false);
  });

  test('in with computed items compares by type', () => {
    const expr = parseExpression('x not in (y, z)');
    expect(expr.test({ x: 1, y: 2, z: 3 })).toBe(true);
    expect(expr.test({ x: 1, y: 1, z: 3 })).toBe(false);
    expect(expr.test({ x: 1, y: '2', z: '3' })).toBe(false);
    expect(parseExpression('x in (y, z)').test({ x: '1', y: 1, z: '1' })).toBe(true);
  });

  // Speed is for the benchmark (this machine is shared and noisy); this checks that repeated
  // evaluation of one compiled expression stays correct.
  test('a compiled expression evaluated many times gives the same answers', () => {
    const expr = parseExpression("rpm > 2700 and load > 90 and quality = 'GOOD' or device in ('v1', 'v2') and not exists(dtc)");
    const records = [
      { rpm: 2800, load: 95, quality: 'GOOD', device: 'v1' },
      { rpm: 1500, load: 20, quality: 'GOOD', device: 'v3' },
      { rpm: 2800, load: 95, quality: 'BAD', device: 'v2', dtc: 'P0301' },
    ];
    let hits = 0;
    for (let i = 0; i < 300_000; i++) if (expr.test(records[i % 3]!)) hits++;
    expect(hits).toBe(100_000);
  });
});

describe('fieldsOf', () => {
  test('lists every field read, once, in order of first appearance', () => {
    const expr = parseExpression("rpm > 2700 and (load > 90 or rpm < 10) and exists(attrs.nodeId) and `odd name` like lower(unit) and round(x / 2, digits) in (y)");
    expect(fieldsOf(expr)).toEqual(['rpm', 'load', 'attrs.nodeId', 'odd name', 'unit', 'x', 'digits', 'y']);
  });

  test('a constant expression reads no fields, and the result is a fresh copy', () => {
    expect(fieldsOf(parseExpression("1 + 2 = 3 and 'a' like 'a%'"))).toEqual([]);
    const expr = parseExpression('a > b');
    fieldsOf(expr).push('c');
    expect(fieldsOf(expr)).toEqual(['a', 'b']);
  });

  test('works on any object with the Expression shape by re-parsing its text', () => {
    const stub = { text: 'speed > limit', evaluate: () => true, test: () => true };
    expect(fieldsOf(stub)).toEqual(['speed', 'limit']);
  });
});

describe('safety', () => {
  test('the source uses neither eval nor Function', () => {
    const sources = readdirSync(__dirname).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    expect(sources.length).toBeGreaterThan(3);
    for (const f of sources) {
      const text = readFileSync(join(__dirname, f), 'utf8');
      expect({ f, eval: /\beval\s*\(/.test(text), fn: /\bnew\s+Function\b|\bFunction\s*\(/.test(text) }).toEqual({ f, eval: false, fn: false });
    }
  });
});
