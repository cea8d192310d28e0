/** `fleet node ls` as a table like docker's (views/table.ts). */
import type { NodeLsReport } from '../ops/node/ls.js';
import { renderTable } from './table.js';

export function renderNodeList(r: NodeLsReport): string {
  const rows = r.nodes.map((n) => [
    n.id,
    n.node_id.slice(0, 12),
    n.address,
    n.leader ? 'leader' : n.role,
    n.state,
    n.availability,
    n.reachability ?? '',
    String(n.tasks),
    n.engine,
  ]);
  return (
    renderTable(
      ['NODE', 'ID', 'ADDRESS', 'ROLE', 'STATE', 'AVAILABILITY', 'MANAGER', 'TASKS', 'ENGINE'],
      rows,
    ).join('\n') + '\n'
  );
}
