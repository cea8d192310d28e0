/**
 * OpenSSH's host pattern language, shared by known_hosts and ssh_config: `*` and `?` wildcards,
 * `!pattern` negation, case-insensitive. A list matches when some positive pattern matches and no
 * negated one does (a negated match vetoes the whole list, as in OpenSSH's match_pattern_list).
 */

const cache = new Map<string, RegExp>();

function toRegExp(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (!re) {
    const body = pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
      .join('');
    re = new RegExp(`^${body}$`, 'i');
    cache.set(pattern, re);
  }
  return re;
}

export function matchPattern(name: string, pattern: string): boolean {
  return toRegExp(pattern).test(name);
}

/** 1 = matched, -1 = vetoed by a negated pattern, 0 = no match. */
export function matchPatternList(name: string, patterns: readonly string[]): 1 | 0 | -1 {
  let matched = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    if (!matchPattern(name, pattern)) continue;
    if (negated) return -1;
    matched = true;
  }
  return matched ? 1 : 0;
}
