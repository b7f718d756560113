/** Random and mutated inputs: parsing throws nothing but ExpressionError, evaluation throws nothing. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExpressionError, parseExpression, type Expression } from './index';

/** mulberry32: a small seeded generator, so a failure can be reproduced from its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  'rpm', 'load', 'attrs.nodeId', '`odd name`', 'a.`b`', 'x', '(', ')', ',', 'and', 'OR', 'not', 'in', 'between', 'like',
  "'P0%'", '"s"', "'it''s'", "'\\n'", '1', '2.5', '.5', '1e3', '0', '=', '!=', '<>', '<', '<=', '>', '>=', '+', '-', '*',
  '/', '%', '!', '&&', '||', 'abs', 'min', 'max', 'round', 'exists', 'lower', 'upper', 'startswith', 'true', 'null', ' ', ' ',
];
const CHARS = " \t\n'\"`\\.,()=<>!&|+-*/%_aZ09#@$;:[]{}?~^é€\u0000\u{1F600}";

const RECORDS: Array<Record<string, unknown>> = [
  {},
  { rpm: 2800, load: 95, x: 0, attrs: { nodeId: 'ns=2' }, 'odd name': 'P0301', a: { b: null } },
  { rpm: '2800', load: null, x: -1.5, attrs: 'flat', 'attrs.nodeId': 7, a: [1] },
  { rpm: true, load: {}, x: Number.MAX_VALUE },
];

function check(text: string, seed: number): boolean {
  let expr: Expression;
  try {
    expr = parseExpression(text);
  } catch (err) {
    if (!(err instanceof ExpressionError)) {
      throw new Error(`seed ${seed}: ${JSON.stringify(text)} threw ${String(err)}`);
    }
    if (err.expression !== text || (text.length <= 200 && !err.message.startsWith(`${text}: `)) || !/ at column \d+$/.test(err.message)) {
      throw new Error(`seed ${seed}: badly formed message ${JSON.stringify(err.message)}`);
    }
    if (err.column < 1 || err.column > text.length + 1) throw new Error(`seed ${seed}: column ${err.column} outside ${JSON.stringify(text)}`);
    return false;
  }
  for (const r of RECORDS) {
    expr.evaluate(r);
    if (typeof expr.test(r) !== 'boolean') throw new Error(`seed ${seed}: test() of ${JSON.stringify(text)} is not a boolean`);
  }
  return true;
}

test('random token soup', () => {
  const next = rng(0x7e1b);
  let parsed = 0;
  for (let i = 0; i < 20_000; i++) {
    const n = Math.floor(next() * 12);
    let text = '';
    for (let k = 0; k < n; k++) {
      text += next() < 0.85 ? PIECES[Math.floor(next() * PIECES.length)]! + ' ' : [...CHARS][Math.floor(next() * [...CHARS].length)]!;
    }
    if (check(text, i)) parsed++;
  }
  // The generator must reach both outcomes, or the test proves little.
  expect(parsed).toBeGreaterThan(100);
  expect(parsed).toBeLessThan(20_000);
});

test('random characters', () => {
  const next = rng(42);
  const chars = [...CHARS];
  for (let i = 0; i < 20_000; i++) {
    let text = '';
    const n = Math.floor(next() * 16);
    for (let k = 0; k < n; k++) text += chars[Math.floor(next() * chars.length)]!;
    check(text, i);
  }
});

test('mutations of the valid case expressions', () => {
  const dir = join(__dirname, 'cases');
  const seeds = readdirSync(dir)
    .map((name) => JSON.parse(readFileSync(join(dir, name, 'case.json'), 'utf8')) as { expression: string; error?: string })
    .filter((c) => c.error === undefined)
    .map((c) => c.expression);
  expect(seeds.length).toBeGreaterThan(10);
  const next = rng(7);
  const chars = [...CHARS];
  let rejected = 0;
  for (let i = 0; i < 20_000; i++) {
    const base = seeds[i % seeds.length]!;
    const at = Math.floor(next() * (base.length + 1));
    const roll = next();
    const text =
      roll < 0.4
        ? base.slice(0, at) + base.slice(at + 1)
        : roll < 0.8
          ? base.slice(0, at) + chars[Math.floor(next() * chars.length)]! + base.slice(at)
          : base.slice(0, at);
    if (!check(text, i)) rejected++;
  }
  expect(rejected).toBeGreaterThan(1000);
});
