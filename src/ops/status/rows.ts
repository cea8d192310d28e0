/**
 * Joins the swarm's node list with what each selected host answered: one StatusNode per swarm node
 * (matched to its host by node id, else by address, else by name), plus a row for every selected
 * host the swarm does not list. A node the swarm still lists whose own engine says it is in no swarm
 * left it (`docker swarm leave`): its row reads `left`. Pure apart from the types it reads.
 */
import type { SwarmNode, SwarmTask } from '../../adapters/docker/types.js';
import type { NodeRole, StatusNode } from '../../core/status.js';
import type { StatusProbe } from './probe.js';

const ROLE_RANK: Record<NodeRole, number> = { leader: 0, manager: 1, worker: 2 };

/** The host's engine answered and is in no swarm (it has no node id to match). */
const leftSwarm = (p: StatusProbe): boolean =>
  Boolean(p.info && !p.info.swarm.nodeId && p.info.swarm.localNodeState === 'inactive');

function findProbe(node: SwarmNode, probes: StatusProbe[]): StatusProbe | undefined {
  // A host whose SSH or engine failed, or whose engine left the swarm, has no node id to match: its
  // address, or its name.
  const idless = probes.filter((p) => !p.info || leftSwarm(p));
  return (
    probes.find((p) => p.info?.swarm.nodeId === node.id) ??
    idless.find((p) => p.target.address === node.addr) ??
    idless.find((p) => p.target.id === node.hostname || p.target.name === node.hostname)
  );
}

function hostFields(
  probe: StatusProbe | undefined,
): Pick<StatusNode, 'ssh' | 'sshError' | 'dockerError' | 'metrics'> {
  if (!probe) return { ssh: 'not-selected', metrics: null };
  return {
    ssh: probe.sshError ? 'unreachable' : 'ok',
    ...(probe.sshError ? { sshError: probe.sshError.message } : {}),
    ...(probe.dockerError ? { dockerError: probe.dockerError.message } : {}),
    metrics: probe.metrics ?? null,
  };
}

export function statusRows(nodes: SwarmNode[], tasks: SwarmTask[], probes: StatusProbe[]): StatusNode[] {
  const running = new Map<string, number>();
  for (const t of tasks) {
    if (t.state === 'running' && t.desiredState === 'running' && t.nodeId) {
      running.set(t.nodeId, (running.get(t.nodeId) ?? 0) + 1);
    }
  }
  const matched = new Set<StatusProbe>();
  const rows: StatusNode[] = nodes.map((node) => {
    const probe = findProbe(node, probes);
    if (probe) matched.add(probe);
    return {
      name: probe?.target.id ?? node.hostname,
      hostname: node.hostname,
      nodeId: node.id,
      role: node.manager?.leader ? 'leader' : node.role,
      state: probe && leftSwarm(probe) ? 'left' : node.state,
      availability: node.availability,
      managerReachability: node.manager?.reachability ?? null,
      tasks: running.get(node.id) ?? 0,
      ...hostFields(probe),
    };
  });
  for (const probe of probes) {
    if (matched.has(probe)) continue;
    rows.push({
      name: probe.target.id,
      hostname: probe.info?.hostname ?? null,
      nodeId: null,
      role: null,
      state: 'not-in-swarm',
      availability: null,
      managerReachability: null,
      tasks: 0,
      ...hostFields(probe),
    });
  }
  const rank = (r: StatusNode): number => (r.role ? ROLE_RANK[r.role] : 3);
  return rows.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name, undefined, { numeric: true }));
}
