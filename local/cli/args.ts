/** Small helpers over node:util parseArgs for the `tributary` subcommands. */
import { parseArgs } from 'node:util';

export class UsageError extends Error {}

export type Flags = Record<string, string | boolean | undefined>;

export function parseFlags(argv: string[], spec: Record<string, { type: 'string' | 'boolean'; short?: string }>): Flags {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: spec, allowPositionals: true, strict: true });
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
    return values as Flags;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError((err as Error).message);
  }
}

/** An integer flag in [min, max], or the default. */
export function intFlag(flags: Flags, name: string, dflt: number, min = 0, max = 65535): number {
  const v = flags[name];
  if (v === undefined) return dflt;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer in ${min}..${max}; got ${JSON.stringify(v)}`);
  return n;
}
