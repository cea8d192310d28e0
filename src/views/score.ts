/** How `fleet score` shows its ranking: one row per host with the score broken down, then the quorum. */
import { describeQuorum } from '../core/quorum.js';
import type { RolePlan } from '../core/roles.js';
import { renderTable } from './table.js';

const num = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(1));

export function scoreTable(plan: RolePlan): string {
  const rows = plan.assignments.map((a) => [
    String(a.rank),
    a.id,
    num(a.score),
    num(a.breakdown.cpu),
    num(a.breakdown.ram),
    num(a.breakdown.storage),
    num(a.breakdown.network),
    num(a.breakdown.gpu),
    num(a.breakdown.penalty),
    `${a.role}${a.pinned ? ' (pinned)' : ''}${a.first ? ' first' : ''}`,
  ]);
  const header = ['RANK', 'HOST', 'SCORE', 'CPU', 'RAM', 'STORAGE', 'NET', 'GPU', 'PENALTY', 'ROLE'];
  let text = renderTable(header, rows).join('\n') + '\n';
  text += `\n${describeQuorum(plan.managers)}; first manager: ${plan.firstManager ?? '-'}\n`;
  for (const note of plan.notes) text += `note: ${note}\n`;
  return text;
}
