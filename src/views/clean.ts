/** `fleet clean` result: what each host can give back (or gave back, with --yes), and the total. */
import type { CleanReport } from '../ops/clean/run.js';
import { formatBytes } from './format.js';
import { hostTableRows, renderTable } from './table.js';

export function renderClean(r: CleanReport): string {
  const bytes = (n: number | null): string => (n === null ? '-' : formatBytes(n));
  const rows = hostTableRows(r.hosts, 7, (h) => [
    h.id,
    String(h.containers.length),
    `${h.dangling_images.length}+${h.unused_images.length}`,
    bytes(h.build_cache_bytes),
    bytes(h.journal_bytes),
    String(h.temp_files.length),
    r.applied ? `${bytes(h.reclaimed_bytes)} reclaimed` : `${bytes(h.reclaimable_bytes)} reclaimable`,
  ]);
  const out = renderTable(
    [
      'HOST',
      'CONTAINERS',
      'IMAGES (DANGLING+UNUSED)',
      'BUILD CACHE',
      'JOURNAL',
      'OLD TEMP',
      r.applied ? 'RESULT' : 'SPACE',
    ],
    rows,
  );
  for (const h of r.hosts) {
    if (h.kept.essential_containers.length)
      out.push(`${h.id}: kept fleet.essential=true containers: ${h.kept.essential_containers.join(', ')}`);
    for (const s of h.skipped) out.push(`${h.id}: skipped ${s}`);
  }
  out.push(
    r.applied
      ? `total: ${bytes(r.reclaimed_bytes)} reclaimed on ${r.hosts.length} hosts`
      : `total: ${bytes(r.reclaimable_bytes)} reclaimable on ${r.hosts.length} hosts (nothing removed: add --yes)`,
  );
  return `${out.join('\n')}\n`;
}
