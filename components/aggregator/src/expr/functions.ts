/**
 * The functions a rule expression may call. Each takes evaluated arguments and never throws:
 * an argument of the wrong type gives `undefined` (so any comparison with the result is false).
 * `exists(field)` is special: it takes a field name, not a value, and is handled by the compiler.
 */

export interface FunctionSpec {
  minArgs: number;
  maxArgs: number;
  /** How the arguments are described in an arity error, e.g. `(x[, digits])`. */
  signature: string;
  apply?: (args: unknown[]) => unknown;
}

function roundHalfAway(x: number, digits: number): number {
  const f = 10 ** digits;
  const r = Math.round(Math.abs(x) * f) / f;
  return x < 0 ? -r : r;
}

function numbers(args: unknown[]): number[] | undefined {
  for (const a of args) if (typeof a !== 'number') return undefined;
  return args as number[];
}

export const FUNCTIONS: Readonly<Record<string, FunctionSpec>> = {
  abs: { minArgs: 1, maxArgs: 1, signature: '(x)', apply: ([x]) => (typeof x === 'number' ? Math.abs(x) : undefined) },
  min: {
    minArgs: 1,
    maxArgs: Infinity,
    signature: '(x, ...)',
    apply: (args) => {
      const xs = numbers(args);
      return xs === undefined ? undefined : Math.min(...xs);
    },
  },
  max: {
    minArgs: 1,
    maxArgs: Infinity,
    signature: '(x, ...)',
    apply: (args) => {
      const xs = numbers(args);
      return xs === undefined ? undefined : Math.max(...xs);
    },
  },
  round: {
    minArgs: 1,
    maxArgs: 2,
    signature: '(x[, digits])',
    apply: ([x, d]) => {
      if (typeof x !== 'number') return undefined;
      if (d === undefined) return roundHalfAway(x, 0);
      if (typeof d !== 'number' || !Number.isInteger(d) || d < 0 || d > 15) return undefined;
      return roundHalfAway(x, d);
    },
  },
  lower: { minArgs: 1, maxArgs: 1, signature: '(s)', apply: ([s]) => (typeof s === 'string' ? s.toLowerCase() : undefined) },
  upper: { minArgs: 1, maxArgs: 1, signature: '(s)', apply: ([s]) => (typeof s === 'string' ? s.toUpperCase() : undefined) },
  startswith: {
    minArgs: 2,
    maxArgs: 2,
    signature: '(s, prefix)',
    apply: ([s, p]) => typeof s === 'string' && typeof p === 'string' && s.startsWith(p),
  },
  exists: { minArgs: 1, maxArgs: 1, signature: '(field)' },
};

export function isFunctionName(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(FUNCTIONS, name);
}
