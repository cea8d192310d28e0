/** "Did you mean" for unknown keys and unknown host names. */

/** Edit distance counting a swap of neighbours as one edit (`prot` -> `port`), the commonest typo. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => (d[i] as number[])[j] as number;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** Words people write for a field that fleet spells differently (other tools' inventories). */
const KEY_ALIASES: Record<string, string> = {
  address: 'ip',
  addr: 'ip',
  host: 'ip',
  hostname: 'ip',
  ansible_host: 'ip',
  username: 'user',
  ssh_user: 'user',
  ansible_user: 'user',
  ssh_port: 'port',
  ansible_port: 'port',
  identityfile: 'key',
  identity_file: 'key',
  ssh_key: 'key',
  private_key: 'key',
  roles: 'role',
  group: 'groups',
  label: 'labels',
  hosts: 'nodes',
  devices: 'nodes',
};

/**
 * The closest candidates to `word` (case-insensitive), close meaning at most a third of the word's
 * length in edits (at least 1, at most 3). Best first, at most `limit`.
 */
export function closest(word: string, candidates: Iterable<string>, limit = 1): string[] {
  const lower = word.toLowerCase();
  const max = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  const scored: Array<{ c: string; d: number }> = [];
  for (const c of new Set(candidates)) {
    const d = editDistance(lower, c.toLowerCase());
    if (d <= max) scored.push({ c, d });
  }
  scored.sort((x, y) => x.d - y.d || (x.c < y.c ? -1 : 1));
  return scored.slice(0, limit).map((s) => s.c);
}

/** A suggestion for an unknown key among the allowed ones, or undefined. */
export function suggestKey(key: string, allowed: string[]): string | undefined {
  const alias = KEY_ALIASES[key.toLowerCase().replace(/-/g, '_')];
  if (alias && allowed.includes(alias)) return alias;
  return closest(key, allowed)[0];
}
