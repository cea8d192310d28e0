/** `fleet recovery` result screen: one row per node, then each node's lines of its last boot (status). */
import type { RecoveryReport } from '../ops/recovery/run.js';
import { hostTableRows, renderTable } from './table.js';

export function renderRecovery(report: RecoveryReport, o: { bootLines: boolean }): string {
  if (report.command === 'recovery remove') {
    const rows = hostTableRows(report.hosts, 2, (h) => [
      h.id,
      h.status === 'ok' ? 'removed' : 'was not installed',
    ]);
    return `${renderTable(['NODE', 'RESULT'], rows).join('\n')}\n`;
  }
  const rows = hostTableRows(report.hosts, 5, (h) => [
    h.id,
    h.installed ? (h.current ? 'yes' : 'outdated') : 'no',
    h.enabled ?? '-',
    h.swarm_state ?? '-',
    h.swarm_state === 'inactive' ? 'LEFT THE SWARM: fleet up re-joins it' : (h.last_result ?? '-'),
  ]);
  const out = renderTable(['NODE', 'INSTALLED', 'ENABLED', 'SWARM', 'LAST BOOT'], rows);
  if (o.bootLines) {
    for (const h of report.hosts) {
      if (h.last_boot.length === 0) continue;
      out.push('', `${h.id}: journal of this boot (fleet-recovery.service)`);
      for (const line of h.last_boot) out.push(`  ${line}`);
    }
  }
  return `${out.join('\n')}\n`;
}
