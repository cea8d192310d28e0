/** Plain fixed-width tables (facts, score, backup ls, the swarm summary). */

/**
 * Fixed-width columns joined by two spaces, last column not padded, lines trimEnd'ed: every column
 * is as wide as its widest cell, header included. Returns the lines (header first); callers join.
 */
export function renderTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/**
 * One row per host of an operation's result (recovery, clean): `cells(h)` for a host that worked; a
 * failed or interrupted one shows dashes and, in the last column, why.
 */
export function hostTableRows<H extends { id: string; status: string; error: string | null }>(
  hosts: readonly H[],
  columns: number,
  cells: (h: H) => string[],
): string[][] {
  return hosts.map((h) =>
    h.status === 'failed' || h.status === 'interrupted'
      ? [h.id, ...Array<string>(Math.max(0, columns - 2)).fill('-'), `${h.status}: ${h.error ?? ''}`]
      : cells(h),
  );
}
