/** `fleet service ls` and `ps` as tables like docker's (views/table.ts). */
import type { ServiceLsReport, ServicePsReport } from '../ops/service/ls.js';
import { renderTable } from './table.js';

export function renderServiceList(r: ServiceLsReport): string {
  if (r.services.length === 0) return `no services (asked ${r.manager})\n`;
  const rows = r.services.map((s) => [
    s.id.slice(0, 12),
    s.name,
    s.mode,
    `${s.running}/${s.desired}${s.update_state && s.update_state !== 'completed' ? ` (${s.update_state})` : ''}`,
    s.image,
    s.ports.join(', '),
  ]);
  return renderTable(['ID', 'NAME', 'MODE', 'REPLICAS', 'IMAGE', 'PORTS'], rows).join('\n') + '\n';
}

export function renderServicePs(r: ServicePsReport): string {
  const rows = r.services.flatMap((s) =>
    s.tasks.map((t) => [
      t.id.slice(0, 12),
      t.name,
      t.image.replace(/@sha256:[0-9a-f]+$/, ''),
      t.node ?? '',
      t.desired_state,
      `${t.state}${t.since ? ` ${t.since.replace(/\.\d+Z$/, 'Z')}` : ''}`,
      t.error ?? '',
    ]),
  );
  return (
    renderTable(['ID', 'NAME', 'IMAGE', 'NODE', 'DESIRED STATE', 'CURRENT STATE', 'ERROR'], rows).join('\n') +
    '\n'
  );
}
