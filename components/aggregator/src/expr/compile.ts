/**
 * Turns a syntax tree into a tree of closures, once, so evaluation does no dispatch on node
 * types. Semantics: a missing field is `undefined`; comparisons are true only between two numbers,
 * two strings (code-unit order) or two booleans (= and != only) — anything else, including
 * undefined or null on either side, is false. Arithmetic on the wrong types gives `undefined`,
 * with null gives null, division or remainder by zero gives null. `and`/`or`/`not` treat only
 * `true` as true. The negated forms (`not in`, `not between`, `not like`) are false when the
 * value is missing or of the wrong type, like the comparisons they stand for.
 */
import type { ArithmeticOp, CompareOp, Node } from './ast';
import { FUNCTIONS } from './functions';
import { likePattern } from './like';

export type FieldRecord = { readonly [field: string]: unknown };
export type Evaluator = (record: FieldRecord) => unknown;

const hasOwn = Object.prototype.hasOwnProperty;

function readPath(value: unknown, path: readonly string[]): unknown {
  let v = value;
  for (const k of path) {
    if (v === null || typeof v !== 'object' || !hasOwn.call(v, k)) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

function field(name: string, path: readonly string[]): Evaluator {
  if (path.length === 1) {
    if (!(name in Object.prototype)) return (r) => r[name];
    return (r) => (hasOwn.call(r, name) ? r[name] : undefined);
  }
  // A flat map may hold the dotted name itself (`{"attrs.nodeId": ...}`); otherwise walk the path.
  return (r) => (hasOwn.call(r, name) ? r[name] : readPath(r, path));
}

type Primitive = number | string | boolean;

function isOrdered(a: unknown, b: unknown): boolean {
  const t = typeof a;
  return (t === 'number' || t === 'string') && typeof b === t;
}

function compareValues(op: CompareOp, a: unknown, b: unknown): boolean {
  const t = typeof a;
  if (typeof b !== t) return false;
  if (t === 'boolean') return op === '=' ? a === b : op === '!=' ? a !== b : false;
  if (t !== 'number' && t !== 'string') return false;
  const x = a as number;
  const y = b as number;
  switch (op) {
    case '=':
      return x === y;
    case '!=':
      return x !== y && x === x && y === y;
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    case '>=':
      return x >= y;
  }
}

function compare(op: CompareOp, left: Node, right: Node): Evaluator {
  const l = compileNode(left);
  if (right.type === 'literal' && typeof right.value === 'number') {
    const c = right.value;
    switch (op) {
      case '>':
        return (r) => {
          const a = l(r);
          return typeof a === 'number' && a > c;
        };
      case '>=':
        return (r) => {
          const a = l(r);
          return typeof a === 'number' && a >= c;
        };
      case '<':
        return (r) => {
          const a = l(r);
          return typeof a === 'number' && a < c;
        };
      case '<=':
        return (r) => {
          const a = l(r);
          return typeof a === 'number' && a <= c;
        };
      case '=':
        return (r) => l(r) === c;
      case '!=':
        return (r) => {
          const a = l(r);
          return typeof a === 'number' && a !== c && a === a && c === c;
        };
    }
  }
  const rr = compileNode(right);
  return (r) => compareValues(op, l(r), rr(r));
}

function arithmetic(op: ArithmeticOp, left: Node, right: Node): Evaluator {
  const l = compileNode(left);
  const rr = compileNode(right);
  const guard = (a: unknown, b: unknown): null | undefined => (a === null || b === null ? null : undefined);
  switch (op) {
    case '+':
      return (r) => {
        const a = l(r);
        const b = rr(r);
        if (typeof a === 'number' && typeof b === 'number') return a + b;
        if (typeof a === 'string' && typeof b === 'string') return a + b;
        return guard(a, b);
      };
    case '-':
      return (r) => {
        const a = l(r);
        const b = rr(r);
        return typeof a === 'number' && typeof b === 'number' ? a - b : guard(a, b);
      };
    case '*':
      return (r) => {
        const a = l(r);
        const b = rr(r);
        return typeof a === 'number' && typeof b === 'number' ? a * b : guard(a, b);
      };
    case '/':
      return (r) => {
        const a = l(r);
        const b = rr(r);
        if (typeof a === 'number' && typeof b === 'number') return b === 0 ? null : a / b;
        return guard(a, b);
      };
    case '%':
      return (r) => {
        const a = l(r);
        const b = rr(r);
        if (typeof a === 'number' && typeof b === 'number') return b === 0 ? null : a % b;
        return guard(a, b);
      };
  }
}

function isPrimitive(v: unknown): v is Primitive {
  const t = typeof v;
  return t === 'number' || t === 'string' || t === 'boolean';
}

function inList(value: Node, list: Node[], negated: boolean): Evaluator {
  const v = compileNode(value);
  if (list.every((n) => n.type === 'literal')) {
    const values = list.map((n) => (n as { value: unknown }).value).filter(isPrimitive);
    const set = new Set<unknown>(values);
    const types = new Set<string>(values.map((x) => typeof x));
    return negated
      ? (r) => {
          const a = v(r);
          return isPrimitive(a) && types.has(typeof a) && a === a && !set.has(a);
        }
      : (r) => {
          const a = v(r);
          return isPrimitive(a) && set.has(a);
        };
  }
  const items = list.map(compileNode);
  return (r) => {
    const a = v(r);
    if (!isPrimitive(a)) return false;
    let found = false;
    let comparable = false;
    for (const item of items) {
      const b = item(r);
      if (typeof b === typeof a) comparable = true;
      if (compareValues('=', a, b)) {
        found = true;
        break;
      }
    }
    return negated ? !found && comparable && a === a : found;
  };
}

function between(value: Node, low: Node, high: Node, negated: boolean): Evaluator {
  const v = compileNode(value);
  const lo = compileNode(low);
  const hi = compileNode(high);
  return (r) => {
    const a = v(r);
    const x = lo(r);
    const y = hi(r);
    if (!isOrdered(a, x) || !isOrdered(a, y)) return false;
    const inside = (x as number) <= (a as number) && (a as number) <= (y as number);
    return negated ? !inside && a === a : inside;
  };
}

function like(value: Node, pattern: Node, negated: boolean): Evaluator {
  const v = compileNode(value);
  let match: (s: string, r: FieldRecord) => boolean;
  if (pattern.type === 'literal') {
    if (typeof pattern.value !== 'string') return () => false;
    const re = likePattern(pattern.value);
    match = (s) => re.test(s);
  } else {
    const p = compileNode(pattern);
    let lastSource: string | undefined;
    let lastRe: RegExp | undefined;
    match = (s, r) => {
      const src = p(r);
      if (typeof src !== 'string') return false;
      if (src !== lastSource) {
        lastSource = src;
        lastRe = likePattern(src);
      }
      return lastRe!.test(s) !== negated;
    };
    return (r) => {
      const a = v(r);
      return typeof a === 'string' && match(a, r);
    };
  }
  return (r) => {
    const a = v(r);
    return typeof a === 'string' && match(a, r) !== negated;
  };
}

function call(name: string, args: Node[]): Evaluator {
  if (name === 'exists') {
    const f = compileNode(args[0]!);
    return (r) => {
      const a = f(r);
      return a !== undefined && a !== null;
    };
  }
  const apply = FUNCTIONS[name]!.apply!;
  const compiled = args.map(compileNode);
  if (compiled.length === 1) {
    const a = compiled[0]!;
    return (r) => apply([a(r)]);
  }
  return (r) => apply(compiled.map((c) => c(r)));
}

export function compileNode(node: Node): Evaluator {
  switch (node.type) {
    case 'literal': {
      const value = node.value;
      return () => value;
    }
    case 'field':
      return field(node.name, node.path);
    case 'not': {
      const o = compileNode(node.operand);
      return (r) => o(r) !== true;
    }
    case 'and': {
      const l = compileNode(node.left);
      const rr = compileNode(node.right);
      return (r) => l(r) === true && rr(r) === true;
    }
    case 'or': {
      const l = compileNode(node.left);
      const rr = compileNode(node.right);
      return (r) => l(r) === true || rr(r) === true;
    }
    case 'compare':
      return compare(node.op, node.left, node.right);
    case 'arithmetic':
      return arithmetic(node.op, node.left, node.right);
    case 'negate': {
      const o = compileNode(node.operand);
      return (r) => {
        const a = o(r);
        return typeof a === 'number' ? -a : a === null ? null : undefined;
      };
    }
    case 'in':
      return inList(node.value, node.list, node.negated);
    case 'between':
      return between(node.value, node.low, node.high, node.negated);
    case 'like':
      return like(node.value, node.pattern, node.negated);
    case 'call':
      return call(node.name, node.args);
  }
}

/** The field names a tree reads, each once, in order of first appearance. */
export function collectFields(node: Node, out: string[] = []): string[] {
  switch (node.type) {
    case 'literal':
      break;
    case 'field':
      if (!out.includes(node.name)) out.push(node.name);
      break;
    case 'not':
    case 'negate':
      collectFields(node.operand, out);
      break;
    case 'and':
    case 'or':
    case 'compare':
    case 'arithmetic':
      collectFields(node.left, out);
      collectFields(node.right, out);
      break;
    case 'in':
      collectFields(node.value, out);
      for (const n of node.list) collectFields(n, out);
      break;
    case 'between':
      collectFields(node.value, out);
      collectFields(node.low, out);
      collectFields(node.high, out);
      break;
    case 'like':
      collectFields(node.value, out);
      collectFields(node.pattern, out);
      break;
    case 'call':
      for (const n of node.args) collectFields(n, out);
      break;
  }
  return out;
}
