/**
 * Tag selection by exact name or glob pattern.
 *
 * - `*` matches any run of characters within one path segment (no `/` and no `.`);
 * - `**` matches any run of characters, across `/` and `.`;
 * - every other character matches itself.
 *
 * A pattern without `*` is an exact name.
 */

export interface TagPattern {
  readonly pattern: string;
  /** True when the pattern has no wildcard (it names one tag). */
  readonly exact: boolean;
  matches(name: string): boolean;
}

export function isGlob(pattern: string): boolean {
  return pattern.includes('*');
}

export function compileTagPattern(pattern: string): TagPattern {
  if (!isGlob(pattern)) return { pattern, exact: true, matches: (name) => name === pattern };
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        source += '.*';
        i++;
        while (pattern[i + 1] === '*') i++;
      } else {
        source += '[^/.]*';
      }
    } else {
      source += c.replace(/[\\^$.|?+()[\]{}]/g, '\\$&');
    }
  }
  const re = new RegExp(`^${source}$`, 's');
  return { pattern, exact: false, matches: (name) => re.test(name) };
}

/**
 * Picks the entry for a tag name: an exact name wins over patterns; among patterns the first
 * in declaration order wins. Results are cached per name (tag sets are small and stable).
 */
export class TagSelector<T> {
  private readonly exact = new Map<string, T>();
  private readonly globs: Array<{ pattern: TagPattern; value: T }> = [];
  private readonly cache = new Map<string, T | null>();

  constructor(entries: Iterable<{ tag: string; value: T }>) {
    for (const { tag, value } of entries) {
      const p = compileTagPattern(tag);
      if (p.exact) {
        if (!this.exact.has(tag)) this.exact.set(tag, value);
      } else {
        this.globs.push({ pattern: p, value });
      }
    }
  }

  select(name: string): T | undefined {
    const cached = this.cache.get(name);
    if (cached !== undefined) return cached ?? undefined;
    const found = this.exact.get(name) ?? this.globs.find((g) => g.pattern.matches(name))?.value;
    this.cache.set(name, found ?? null);
    return found;
  }

}
