/**
 * What a rolling run (`fleet reboot`, `fleet rollout`) needs to know and change about swarm nodes:
 * each host's membership (from its own engine), the managers to drain and activate nodes through
 * (selected ones, then managers that are not selected, through the addresses the nodes know: the
 * run reaches one with shared/manager.ts withManager, avoiding the current wave's), and the
 * availability update itself.
 */
import { createDockerEngine } from '../../adapters/docker/engine.js';
import type { DockerEngine } from '../../adapters/docker/types.js';
import type { SshPool } from '../../adapters/ssh/types.js';
import type { HostTarget } from '../../core/host.js';
import type { RollingNode } from '../../core/rolling-plan.js';

export interface NodeInfo extends RollingNode {
  target: HostTarget;
  /** Swarm node id (role manager/worker). */
  nodeId?: string;
  /** Managers this node knows (addr:port), to reach one when no manager is selected. */
  remoteManagers: string[];
  /** The swarm's manager count, as this engine sees it. */
  managers: number;
}

/** A host's membership; a host without a reachable engine or outside a swarm is role 'none'. */
export async function readMembership(
  pool: SshPool,
  target: HostTarget,
  signal: AbortSignal,
  sudoPassword?: string,
): Promise<NodeInfo> {
  const conn = await pool.connect(target, signal);
  const base: NodeInfo = { id: target.id, target, role: 'none', remoteManagers: [], managers: 0 };
  let engine: DockerEngine;
  try {
    engine = await createDockerEngine(conn, { signal, sudoPassword });
  } catch {
    return base;
  }
  try {
    const { swarm } = await engine.info(signal);
    if (swarm.localNodeState !== 'active') return base;
    return {
      ...base,
      role: swarm.controlAvailable ? 'manager' : 'worker',
      nodeId: swarm.nodeId,
      remoteManagers: swarm.remoteManagers,
      managers: swarm.managers,
    };
  } finally {
    engine.close();
  }
}

/** Managers to try for node updates: selected managers, then the addresses the nodes know (same login). */
export function managerCandidates(nodes: NodeInfo[]): HostTarget[] {
  const selected = nodes.filter((n) => n.role === 'manager').map((n) => n.target);
  const known = new Set(selected.map((t) => t.address));
  const extra: HostTarget[] = [];
  for (const n of nodes) {
    for (const addr of n.remoteManagers) {
      const ip = addr.replace(/:\d+$/, '');
      if (known.has(ip)) continue;
      known.add(ip);
      extra.push({ ...n.target, id: ip, address: ip, name: undefined, role: 'manager' });
    }
  }
  return [...selected, ...extra];
}

/** Sets a node's availability (drain / active), keeping the rest of its spec. */
export async function setAvailability(
  engine: DockerEngine,
  nodeId: string,
  availability: 'drain' | 'active',
  signal: AbortSignal,
): Promise<void> {
  const node = await engine.inspectNode(nodeId, signal);
  if (node.availability === availability) return;
  await engine.updateNode(nodeId, node.version, { ...node.spec, Availability: availability }, signal);
}
