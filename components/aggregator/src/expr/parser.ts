/**
 * Recursive-descent parser for rule expressions. Precedence, lowest first:
 * or < and < not < comparison (= != <> < <= > >=, in, between, like) < + - < * / % < unary minus.
 * Comparisons do not chain (`a < b < c` is an error). Nesting is limited to MAX_DEPTH, length to MAX_TOKENS.
 */
import type { ArithmeticOp, CompareOp, Node } from './ast';
import { ExpressionError } from './errors';
import { FUNCTIONS, isFunctionName } from './functions';
import { tokenize, type Token } from './lexer';

export const MAX_DEPTH = 64;
/** Bounds the length of operator chains (`a + a + ...`), which nest as deeply as they are long. */
export const MAX_TOKENS = 4096;

const COMPARE_OPS = new Set(['=', '!=', '<', '<=', '>', '>=']);

function describe(t: Token): string {
  switch (t.kind) {
    case 'end':
      return 'end of expression';
    case 'string':
      return `string ${t.raw}`;
    case 'number':
      return `number ${t.raw}`;
    case 'field':
      return `name '${t.raw}'`;
    default:
      return `'${t.raw}'`;
  }
}

class Parser {
  private i = 0;
  private depth = 0;
  private readonly tokens: Token[];

  constructor(private readonly text: string) {
    this.tokens = tokenize(text);
    if (this.tokens.length - 1 > MAX_TOKENS) {
      this.fail(this.tokens[MAX_TOKENS]!, `expression longer than ${MAX_TOKENS} tokens`);
    }
  }

  parse(): Node {
    const node = this.or();
    const t = this.peek();
    if (t.kind !== 'end') {
      if (t.kind === 'op' && COMPARE_OPS.has(t.value as string)) {
        this.fail(t, `comparisons cannot be chained; expected 'and' or 'or' before ${describe(t)}`);
      }
      this.fail(t, `expected an operator or the end of the expression, found ${describe(t)}`);
    }
    return node;
  }

  private peek(): Token {
    return this.tokens[this.i]!;
  }
  private next(): Token {
    return this.tokens[this.i++]!;
  }
  private isKeyword(word: string, offset = 0): boolean {
    const t = this.tokens[this.i + offset];
    return t !== undefined && t.kind === 'keyword' && t.value === word;
  }
  private isOp(op: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.value === op;
  }

  private fail(t: Token, reason: string): never {
    throw new ExpressionError(this.text, t.pos + 1, reason);
  }
  private expected(what: string): never {
    const t = this.peek();
    this.fail(t, t.kind === 'end' ? `expected ${what}` : `expected ${what}, found ${describe(t)}`);
  }
  private expect(kind: Token['kind'], what: string): Token {
    if (this.peek().kind !== kind) this.expected(what);
    return this.next();
  }
  private enter(): void {
    if (++this.depth > MAX_DEPTH) this.fail(this.peek(), `expression nested deeper than ${MAX_DEPTH} levels`);
  }

  private or(): Node {
    let left = this.and();
    while (this.isKeyword('or')) {
      this.next();
      left = { type: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): Node {
    let left = this.not();
    while (this.isKeyword('and')) {
      this.next();
      left = { type: 'and', left, right: this.not() };
    }
    return left;
  }

  private not(): Node {
    if (this.isKeyword('not')) {
      this.enter();
      this.next();
      const operand = this.not();
      this.depth--;
      return { type: 'not', operand };
    }
    return this.comparison();
  }

  private comparison(): Node {
    const left = this.additive();
    const t = this.peek();
    if (t.kind === 'op' && COMPARE_OPS.has(t.value as string)) {
      this.next();
      return { type: 'compare', op: t.value as CompareOp, left, right: this.additive() };
    }
    let negated = false;
    if (this.isKeyword('not') && (this.isKeyword('in', 1) || this.isKeyword('between', 1) || this.isKeyword('like', 1))) {
      this.next();
      negated = true;
    }
    if (this.isKeyword('in')) {
      this.next();
      this.expect('(', "'(' after 'in'");
      const list: Node[] = [this.additive()];
      while (this.peek().kind === ',') {
        this.next();
        list.push(this.additive());
      }
      this.expect(')', "',' or ')' in the 'in' list");
      return { type: 'in', value: left, list, negated };
    }
    if (this.isKeyword('between')) {
      this.next();
      const low = this.additive();
      if (!this.isKeyword('and')) this.expected("'and' after the lower bound of 'between'");
      this.next();
      const high = this.additive();
      return { type: 'between', value: left, low, high, negated };
    }
    if (this.isKeyword('like')) {
      this.next();
      return { type: 'like', value: left, pattern: this.additive(), negated };
    }
    return left;
  }

  private additive(): Node {
    let left = this.multiplicative();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.next().value as ArithmeticOp;
      left = { type: 'arithmetic', op, left, right: this.multiplicative() };
    }
    return left;
  }

  private multiplicative(): Node {
    let left = this.unary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('%')) {
      const op = this.next().value as ArithmeticOp;
      left = { type: 'arithmetic', op, left, right: this.unary() };
    }
    return left;
  }

  private unary(): Node {
    if (this.isOp('-') || this.isOp('+')) {
      this.enter();
      const sign = this.next().value;
      const operand = this.unary();
      this.depth--;
      if (sign === '+') return operand;
      if (operand.type === 'literal' && typeof operand.value === 'number') return { type: 'literal', value: -operand.value };
      return { type: 'negate', operand };
    }
    return this.primary();
  }

  private primary(): Node {
    const t = this.peek();
    switch (t.kind) {
      case 'number':
      case 'string':
        this.next();
        return { type: 'literal', value: t.value };
      case 'keyword':
        if (t.value === 'true' || t.value === 'false') {
          this.next();
          return { type: 'literal', value: t.value === 'true' };
        }
        if (t.value === 'null') {
          this.next();
          return { type: 'literal', value: null };
        }
        return this.expected('a value');
      case '(': {
        this.enter();
        this.next();
        const inner = this.or();
        this.depth--;
        this.expect(')', "')'");
        return inner;
      }
      case 'field':
        this.next();
        if (this.peek().kind === '(') return this.call(t);
        return { type: 'field', name: t.value as string, path: t.path! };
      default:
        return this.expected('a value');
    }
  }

  private call(nameToken: Token): Node {
    const name = (nameToken.value as string).toLowerCase();
    if (nameToken.quoted || nameToken.path!.length !== 1 || !isFunctionName(name)) {
      this.fail(nameToken, `unknown function '${nameToken.raw}'; expected one of ${Object.keys(FUNCTIONS).join(', ')}`);
    }
    const spec = FUNCTIONS[name]!;
    this.next(); // (
    const args: Node[] = [];
    if (name === 'exists') {
      const f = this.peek();
      if (f.kind !== 'field') this.expected('a field name in exists()');
      this.next();
      args.push({ type: 'field', name: f.value as string, path: f.path! });
    } else if (this.peek().kind !== ')') {
      this.enter();
      args.push(this.or());
      while (this.peek().kind === ',') {
        this.next();
        args.push(this.or());
      }
      this.depth--;
    }
    this.expect(')', args.length > 0 && name !== 'exists' ? "',' or ')' in the arguments" : "')'");
    if (args.length < spec.minArgs || args.length > spec.maxArgs) {
      this.fail(nameToken, `${name}${spec.signature} expects ${arity(spec.minArgs, spec.maxArgs)}, got ${args.length}`);
    }
    return { type: 'call', name, args };
  }
}

function arity(min: number, max: number): string {
  const plural = (k: number): string => `${k} argument${k === 1 ? '' : 's'}`;
  if (max === Infinity) return `at least ${plural(min)}`;
  if (min === max) return plural(min);
  return `${min} to ${plural(max)}`;
}

/** Parses an expression into its syntax tree; throws ExpressionError. */
export function parse(text: string): Node {
  return new Parser(text).parse();
}
