/**
 * `--group`: hosts whose output and exit code are identical are shown once, under their folded
 * names (`agx-[01-15] (15)`), like dshbak -c. Failures without output group by their error text,
 * so fifteen "connection refused" hosts also fold into one block.
 */
export interface GroupableResult {
  id: string;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** One-line failure reason (connect error, timeout), null when the command ran. */
  error: string | null;
  /** Identity of the full output when stdout/stderr above are only its kept part (digests). */
  fingerprint?: string;
}

export interface OutputGroup {
  hosts: string[];
  /** Folded host set plus count, e.g. `agx-[01-15] (15)`. */
  label: string;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  error: string | null;
}

/**
 * Groups in order of first appearance, so the result follows the host order given. `fold` turns a
 * list of host ids into the compact display form (core/host-range foldHosts).
 */
export function groupOutputs(results: GroupableResult[], fold: (ids: string[]) => string): OutputGroup[] {
  const groups = new Map<string, OutputGroup>();
  for (const r of results) {
    // JSON of a tuple is an unambiguous key: no separator can collide with output content.
    const key = JSON.stringify([r.exitCode, r.stdout, r.stderr, r.error, r.fingerprint ?? null]);
    let group = groups.get(key);
    if (!group) {
      group = {
        hosts: [],
        label: '',
        exitCode: r.exitCode,
        stdout: r.stdout,
        stderr: r.stderr,
        error: r.error,
      };
      groups.set(key, group);
    }
    group.hosts.push(r.id);
  }
  const out = [...groups.values()];
  for (const g of out) g.label = `${fold(g.hosts)} (${g.hosts.length})`;
  return out;
}
