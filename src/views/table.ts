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
