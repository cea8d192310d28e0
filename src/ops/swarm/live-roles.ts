/**
 * `--role` by the live swarm: the roles the swarm gives the hosts of nodes.yml today, read from the
 * first of its managers that answers (pinned managers are asked first; with no pins, every host is
 * asked at once). `fleet up` makes managers of unpinned hosts, so the pins alone would miss them.
 * Undefined when no host is a manager of a swarm: --role then falls back to the pins.
 */
import { forEachHost } from '../../runtime/for-each-host.js';
import { createDockerEngine } from '../../adapters/docker/engine.js';
import type { SwarmNode } from '../../adapters/docker/types.js';
import type { SshPool, SshSettings } from '../../adapters/ssh/types.js';
import type { HostTarget } from '../../core/host.js';
import type { NodeRole } from '../../core/inventory-model.js';
import { isEntryOf } from '../../core/swarm-plan.js';

async function nodesFrom(pool: SshPool, target: HostTarget): Promise<SwarmNode[] | undefined> {
  try {
    const engine = await createDockerEngine(await pool.connect(target));
    try {
      const info = await engine.info();
      if (info.swarm.localNodeState !== 'active' || !info.swarm.controlAvailable) return undefined;
      return await engine.listNodes();
    } finally {
      engine.close();
    }
  } catch {
    return undefined;
  }
}

/** Role per inventory id, for the hosts the swarm lists (a Ready entry wins over a stale one). */
export function rolesFromNodes(hosts: HostTarget[], nodes: SwarmNode[]): Map<string, NodeRole> {
  const roles = new Map<string, NodeRole>();
  for (const host of hosts) {
    const entries = nodes.filter((n) => isEntryOf({ address: host.address, hostname: host.id }, n));
    const entry = entries.find((n) => n.state === 'ready') ?? entries[0];
    if (entry) roles.set(host.id, entry.role);
  }
  return roles;
}

export async function readLiveRoles(
  hosts: HostTarget[],
  settings: SshSettings,
): Promise<Map<string, NodeRole> | undefined> {
  const { createSshPool } = await import('../../adapters/ssh/pool.js');
  // Quiet: the command's own run reports SSH warnings; this look-up only picks hosts.
  const pool = createSshPool({ ...settings, warn: () => undefined });
  try {
    const pinned = hosts.filter((h) => h.role === 'manager');
    for (const target of pinned) {
      const nodes = await nodesFrom(pool, target);
      if (nodes) return rolesFromNodes(hosts, nodes);
    }
    const rest = hosts.filter((h) => h.role !== 'manager');
    const lists = await forEachHost(rest, { concurrency: 16 }, (t) => nodesFrom(pool, t));
    const nodes = lists.find((l) => l !== undefined);
    return nodes && rolesFromNodes(hosts, nodes);
  } finally {
    await pool.closeAll().catch(() => undefined);
  }
}
