/**
 * The summary `fleet up` / `plan` / `down` print when the run is over: what changed (or the plan's
 * steps), the node table, quorum, and the hosts not done. Rendered from the operation's typed result.
 */
import type { FleetError } from '../core/errors.js';
import { redact } from '../core/redact.js';
import type { SwarmResult } from '../ops/swarm/run.js';
import { renderTable } from './table.js';

const capital = (s: string): string => s[0]!.toUpperCase() + s.slice(1);

/** The final node list like `docker node ls`, managers first, with the host each node runs on. */
export function topologyTable(result: Pick<SwarmResult, 'topology' | 'hostIds'>): string[] {
  const nodes = result.topology;
  if (nodes.length === 0) return [];
  const rows = [...nodes]
    .sort((a, b) =>
      a.role === b.role ? a.hostname.localeCompare(b.hostname) : a.role === 'manager' ? -1 : 1,
    )
    .map((n) => [
      n.id.slice(0, 12),
      n.hostname,
      result.hostIds.get(n.id) ?? '-',
      capital(n.state),
      capital(n.availability),
      n.manager ? (n.manager.leader ? 'Leader' : capital(n.manager.reachability)) : '',
      n.engineVersion,
    ]);
  return renderTable(
    ['ID', 'HOSTNAME', 'HOST', 'STATUS', 'AVAILABILITY', 'MANAGER STATUS', 'ENGINE VERSION'],
    rows,
  );
}

/** The whole summary, redacted, ending in a newline. */
export function renderSwarmSummary(result: SwarmResult, error: FleetError | undefined): string {
  const { report } = result;
  const out: string[] = [];
  if (report.dry_run) {
    out.push(
      report.changes.length === 0 ? 'plan: nothing to change' : `plan: ${report.changes.length} changes`,
    );
    report.changes.forEach((c, i) => out.push(`  ${i + 1}. ${c.host ? `${c.host}: ` : ''}${c.description}`));
  } else if (!error && report.changes.length === 0) {
    out.push(
      report.command === 'down'
        ? 'nothing to change: no selected host is in this swarm'
        : 'nothing to change: the swarm already matches nodes.yml',
    );
  } else if (report.changes.length > 0) {
    out.push(`${report.changes.length} changes made`);
  }
  const table = topologyTable(result);
  if (table.length > 0) out.push('', ...table);
  if (report.quorum) {
    out.push(`quorum ${report.quorum.reachable}/${report.quorum.managers} (needs ${report.quorum.needed})`);
  }
  const bad = report.hosts.filter((h) => h.status !== 'ok' && h.status !== 'unchanged');
  if (bad.length > 0) {
    out.push('', 'not done:');
    for (const h of bad) {
      const why =
        h.status === 'skipped'
          ? h.actions.join('; ')
          : h.status === 'not-started'
            ? 'not started'
            : h.status === 'interrupted'
              ? `interrupted${h.error ? `: ${h.error}` : ''}`
              : `${h.failure ? `(${h.failure}) ` : ''}${h.error ?? 'failed'}`;
      out.push(`  ${h.id}: ${why}`);
    }
  }
  return redact(out.join('\n')) + '\n';
}
