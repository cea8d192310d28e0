/** What `fleet backup ls` and `fleet backup rm` print: the table, its --json form, the removal line. */
import type { BackupEntry } from '../ops/backup/catalog.js';
import { formatBytes } from './format.js';
import { renderTable } from './table.js';

/** The human listing: the store's location, then one row per backup (or "no backups in …"). */
export function renderBackupList(location: string, entries: BackupEntry[]): string {
  if (entries.length === 0) return `no backups in ${location}\n`;
  const rows = entries.map((e) => [
    e.id,
    e.status === 'complete' ? 'complete' : e.status === 'incomplete' ? 'INCOMPLETE' : 'DAMAGED',
    formatBytes(e.size),
    String(e.manifest?.items.length ?? e.objects.length),
    e.hosts.join(',') || '-',
    e.problem ?? '',
  ]);
  const lines = renderTable(['ID', 'STATUS', 'SIZE', 'ITEMS', 'HOSTS', 'NOTE'], rows);
  return `${location}\n${lines.join('\n')}\n`;
}

export function backupListJson(location: string, entries: BackupEntry[]): string {
  const backups = entries.map((e) => ({
    id: e.id,
    status: e.status,
    time: e.time ?? null,
    size: e.size,
    objects: e.objects.length,
    hosts: e.hosts,
    cluster_id: e.manifest?.clusterId ?? null,
    problem: e.problem ?? null,
  }));
  return JSON.stringify({ store: location, backups }, null, 2) + '\n';
}

export function removedLine(entry: BackupEntry): string {
  return `deleted backup ${entry.id} (${entry.status}, ${entry.objects.length} objects, ${formatBytes(entry.size)})\n`;
}
