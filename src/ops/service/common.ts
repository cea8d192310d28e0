/**
 * What every `fleet service` operation shares: its input base, finding a service by name or id,
 * task names as docker prints them (web.3, or web for global tasks, with @node), and the task rows
 * of reports.
 */
import type { SwarmService, SwarmTask } from '../../adapters/docker/types.js';
import { FleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import type { ManagerConn } from '../shared/manager.js';
import { nodeNames, taskName } from '../shared/service-converge.js';

export { nodeNames, taskName };

export interface ServiceOpInput {
  /** Hosts to find a manager on (nodes.yml hosts, pinned managers first). */
  managers: HostTarget[];
  /** --report FILE instead of ./reports/service-<command>-<time>.json. */
  reportPath?: string;
}

export async function findService(
  m: ManagerConn,
  nameOrId: string,
  signal: AbortSignal,
): Promise<SwarmService> {
  const svc = await m.engine.inspectService(nameOrId, signal);
  if (!svc) {
    throw new FleetError('usage', `no service "${nameOrId}" in the swarm (asked ${m.target.id})`, {
      hint: 'fleet service ls lists them',
    });
  }
  return svc;
}

export interface TaskRow {
  id: string;
  name: string;
  node: string | null;
  desired_state: string;
  state: string;
  since: string;
  error: string | null;
  image: string;
}

export function taskRows(service: string, tasks: SwarmTask[], names: Record<string, string>): TaskRow[] {
  return [...tasks]
    .sort((a, b) => (a.slot ?? 0) - (b.slot ?? 0) || b.createdAt.localeCompare(a.createdAt))
    .map((t) => ({
      id: t.id,
      name: taskName(service, t),
      node: t.nodeId ? (names[t.nodeId] ?? t.nodeId) : null,
      desired_state: t.desiredState,
      state: t.state,
      since: t.timestamp,
      error: t.err || null,
      image: t.image,
    }));
}
