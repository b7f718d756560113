/**
 * Browse-path filters, SiteWise Edge style: `/Site1/AreaA/Line1/Filler/Temperature`, where a
 * segment may hold `*` (any characters within one level, e.g. `PLC*`) and a segment `**` stands
 * for any number of levels (also none): `/**\/Temperature`, `/Site1/**`, `/Site1/*\/Line1/**`.
 * Paths are the browse names (without namespace index) from the Objects folder down.
 */

type Part = '**' | RegExp;

export interface BrowseFilter {
  /** As configured. */
  text: string;
  parts: Part[];
}

/** Why `text` is not a filter, or undefined. */
export function filterProblem(text: string): string | undefined {
  if (!text.startsWith('/')) return `"${text}" is not a browse-path filter: it must start with /`;
  const segs = text.slice(1).split('/');
  if (text === '/' || segs.some((s) => s.length === 0)) return `"${text}" has an empty path segment`;
  if (segs.some((s) => s.includes('**') && s !== '**')) return `"${text}": ** must be a whole segment (/a/**/b)`;
  return undefined;
}

/** Compiles a filter (check it with filterProblem first; throws on an invalid one). */
export function compileFilter(text: string): BrowseFilter {
  const problem = filterProblem(text);
  if (problem) throw new Error(problem);
  const parts = text
    .slice(1)
    .split('/')
    .map((s): Part => (s === '**' ? '**' : new RegExp(`^${s.split('*').map(escapeRegExp).join('.*')}$`, 's')));
  return { text, parts };
}

/** Splits `/a/b/c` into its segments. */
export function pathSegments(path: string): string[] {
  return path.length <= 1 ? [] : path.slice(1).split('/');
}

/** True if the whole path matches the filter. */
export function filterMatches(f: BrowseFilter, segs: readonly string[]): boolean {
  const memo = new Map<number, boolean>();
  const m = (pi: number, si: number): boolean => {
    const key = pi * 100_000 + si;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let r: boolean;
    if (pi === f.parts.length) r = si === segs.length;
    else {
      const part = f.parts[pi]!;
      if (part === '**') r = m(pi + 1, si) || (si < segs.length && m(pi, si + 1));
      else r = si < segs.length && part.test(segs[si]!) && m(pi + 1, si + 1);
    }
    memo.set(key, r);
    return r;
  };
  return m(0, 0);
}

/** True if some path strictly below `prefix` could match: the browse must go on under that node. */
export function filterMayMatchDeeper(f: BrowseFilter, prefix: readonly string[]): boolean {
  const memo = new Map<number, boolean>();
  const m = (pi: number, si: number): boolean => {
    if (si === prefix.length) return pi < f.parts.length;
    if (pi === f.parts.length) return false;
    const key = pi * 100_000 + si;
    const known = memo.get(key);
    if (known !== undefined) return known;
    const part = f.parts[pi]!;
    const r = part === '**' ? m(pi + 1, si) || m(pi, si + 1) : part.test(prefix[si]!) && m(pi + 1, si + 1);
    memo.set(key, r);
    return r;
  };
  return m(0, 0);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
