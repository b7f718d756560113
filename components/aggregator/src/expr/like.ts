/**
 * SQL `LIKE` patterns: `%` matches any run of characters (also none), `_` exactly one character,
 * a backslash makes the next character literal (`'100\\%'` in an expression matches "100%").
 * Matching is case-sensitive and covers the whole string.
 */
export function likePattern(pattern: string): RegExp {
  let source = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '%') source += '[\\s\\S]*';
    else if (c === '_') source += '[\\s\\S]';
    else if (c === '\\' && i + 1 < pattern.length) source += escapeRegExp(pattern[++i]!);
    else source += escapeRegExp(c);
  }
  return new RegExp(source + '$', 'u');
}

function escapeRegExp(c: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c;
}
