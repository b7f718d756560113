/**
 * Tag lists: plain OPC DA item ids and wildcard patterns, resolved against the server's item ids
 * once per connection (the AWS M2C2 connector lists wildcard tags on every poll; this does not).
 *
 * Pattern syntax (item ids are dot-separated, as in `Channel1.Device1.Tag1`):
 * - `*`  any characters within one segment (no `.`): `Random.*`, `Channel1.*.Tag1`
 * - `**` any characters across segments: `**` (everything), `Channel1.**`, `**.Tag1`
 * - `?`  one character other than `.`
 * Anything else matches itself. A tag without `*` or `?` is an item id and is read without browsing.
 */

export function isPattern(tag: string): boolean {
  return tag.includes('*') || tag.includes('?');
}

/** Why `tag` is not a usable pattern, or undefined. */
export function patternProblem(tag: string): string | undefined {
  if (tag.trim() === '') return 'must not be blank';
  if (tag.includes('***')) return 'has "***"; use "*" (one segment) or "**" (any segments)';
  return undefined;
}

/** The pattern as an anchored regular expression. */
export function patternToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        // `**.` also matches nothing at all, so `**.Tag1` matches `Tag1`.
        if (pattern[i + 1] === '.') {
          i++;
          re += '(?:.*\\.)?';
        } else re += '.*';
      } else re += '[^.]*';
    } else if (ch === '?') re += '[^.]';
    else re += ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

export function matches(pattern: string, itemId: string): boolean {
  return patternToRegExp(pattern).test(itemId);
}

export interface TagResolution {
  /** Item ids to read, in tag order, each once. */
  items: string[];
  /** Patterns that matched no item on the server. */
  unmatched: string[];
  /** Items left out because of maxItems. */
  truncated: number;
  /** Whether the server was browsed (only when a tag is a pattern). */
  browsed: boolean;
  /** How many item ids the browse returned. */
  serverItems: number;
}

/**
 * Expands `tags` into item ids. `browse` is called at most once, and only when a tag is a
 * pattern. Explicit item ids are kept even when the browse does not list them (servers do not
 * always list every readable item); the read reports them if they do not exist.
 */
export async function resolveTags(tags: readonly string[], browse: () => Promise<string[]>, maxItems: number): Promise<TagResolution> {
  const patterns = tags.filter(isPattern);
  const all = patterns.length > 0 ? await browse() : [];
  const seen = new Set<string>();
  const items: string[] = [];
  const unmatched: string[] = [];
  let truncated = 0;
  const add = (id: string): void => {
    if (seen.has(id)) return;
    seen.add(id);
    if (items.length < maxItems) items.push(id);
    else truncated++;
  };
  for (const tag of tags) {
    if (!isPattern(tag)) {
      add(tag);
      continue;
    }
    const re = patternToRegExp(tag);
    let n = 0;
    for (const id of all) {
      if (re.test(id)) {
        n++;
        add(id);
      }
    }
    if (n === 0) unmatched.push(tag);
  }
  return { items, unmatched, truncated, browsed: patterns.length > 0, serverItems: all.length };
}
