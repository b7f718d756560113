/** Splits a rule expression into tokens. Positions are 0-based offsets into the text. */
import { ExpressionError } from './errors';

export type TokenKind = 'number' | 'string' | 'field' | 'keyword' | 'op' | '(' | ')' | ',' | 'end';

export interface Token {
  kind: TokenKind;
  /** 0-based offset of the first character. */
  pos: number;
  /** The source text of the token. */
  raw: string;
  /** number: its value; string: the unquoted text; keyword/op: the normalised spelling. */
  value: number | string;
  /** field: the path segments (`attrs.nodeId` → ['attrs', 'nodeId']). */
  path?: string[];
  /** field: true when any segment was written in backticks (then it cannot be a function name). */
  quoted?: boolean;
}

export const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'between', 'like', 'true', 'false', 'null']);

const OPERATORS = ['<=', '>=', '<>', '!=', '&&', '||', '==', '=', '<', '>', '+', '-', '*', '/', '%', '!'];

function isIdentStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c === '$';
}
function isIdentPart(c: string): boolean {
  return isIdentStart(c) || isDigit(c);
}
function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

/** Shows a character in a message: printable as itself in quotes, others as U+XXXX. */
export function showChar(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  return code >= 0x20 && code < 0x7f ? `'${c}'` : `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

export function tokenize(text: string): Token[] {
  const fail = (pos: number, reason: string): never => {
    throw new ExpressionError(text, pos + 1, reason);
  };
  const tokens: Token[] = [];
  let i = 0;
  const n = text.length;

  const readBacktick = (): string => {
    const start = i;
    i++;
    let s = '';
    while (i < n && text[i] !== '`') s += text[i++];
    if (i >= n) fail(start, 'unterminated `quoted name`; expected a closing backtick');
    if (s.length === 0) fail(start, 'empty `quoted name`');
    i++;
    return s;
  };
  const readSegment = (): string => {
    const start = i;
    while (i < n && isIdentPart(text[i]!)) i++;
    return text.slice(start, i);
  };

  while (i < n) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    if (isDigit(c) || (c === '.' && isDigit(text[i + 1] ?? ''))) {
      while (i < n && isDigit(text[i]!)) i++;
      if (text[i] === '.') {
        i++;
        while (i < n && isDigit(text[i]!)) i++;
      }
      if (text[i] === 'e' || text[i] === 'E') {
        let j = i + 1;
        if (text[j] === '+' || text[j] === '-') j++;
        if (!isDigit(text[j] ?? '')) fail(i, 'expected digits in the exponent of a number');
        i = j;
        while (i < n && isDigit(text[i]!)) i++;
      }
      if (i < n && (isIdentPart(text[i]!) || text[i] === '.' || text[i] === '`')) {
        fail(i, `unexpected ${showChar(text[i]!)} after number ${text.slice(start, i)}`);
      }
      const raw = text.slice(start, i);
      tokens.push({ kind: 'number', pos: start, raw, value: Number(raw) });
      continue;
    }
    if (c === "'" || c === '"') {
      i++;
      let s = '';
      for (;;) {
        if (i >= n) fail(start, `unterminated string; expected a closing ${c === "'" ? 'single' : 'double'} quote`);
        const d = text[i]!;
        if (d === c) {
          if (text[i + 1] === c) {
            s += c;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (d === '\\') {
          const e = text[i + 1];
          if (e === undefined) fail(i, 'unterminated escape at the end of a string');
          const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"' };
          const m = map[e!];
          if (m === undefined) fail(i, `unknown escape \\${e!} in a string`);
          s += m;
          i += 2;
          continue;
        }
        s += d;
        i++;
      }
      tokens.push({ kind: 'string', pos: start, raw: text.slice(start, i), value: s });
      continue;
    }
    if (isIdentStart(c) || c === '`') {
      const path: string[] = [];
      let quoted = false;
      for (;;) {
        if (text[i] === '`') {
          path.push(readBacktick());
          quoted = true;
        } else {
          path.push(readSegment());
        }
        if (text[i] === '.' && (isIdentStart(text[i + 1] ?? '') || text[i + 1] === '`')) {
          i++;
          continue;
        }
        if (text[i] === '.') fail(i, 'expected a name after \'.\'');
        break;
      }
      const raw = text.slice(start, i);
      const lower = path[0]!.toLowerCase();
      if (path.length === 1 && !quoted && KEYWORDS.has(lower)) {
        tokens.push({ kind: 'keyword', pos: start, raw, value: lower });
      } else {
        tokens.push({ kind: 'field', pos: start, raw, value: path.join('.'), path, quoted });
      }
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      i++;
      tokens.push({ kind: c, pos: start, raw: c, value: c });
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op !== undefined) {
      if (op === '==') fail(i, "unexpected '=='; use '=' to compare");
      i += op.length;
      const value = op === '&&' ? 'and' : op === '||' ? 'or' : op === '!' ? 'not' : op === '<>' ? '!=' : op;
      tokens.push({ kind: op === '&&' || op === '||' || op === '!' ? 'keyword' : 'op', pos: start, raw: op, value });
      continue;
    }
    fail(i, `unexpected character ${showChar(c)}`);
  }
  tokens.push({ kind: 'end', pos: n, raw: '', value: '' });
  return tokens;
}
