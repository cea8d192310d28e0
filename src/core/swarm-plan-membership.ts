/** Where a host stands relative to this inventory's swarm: the first question of every plan. */
import type { ObservedCluster, ObservedHost, ObservedNode, SkipCause } from './swarm-plan-types.js';

/** Where a host stands relative to our cluster. */
export type Membership =
  | { kind: 'unusable'; cause: SkipCause; reason: string }
  | { kind: 'none' }
  | { kind: 'ours'; node: ObservedNode }
  | { kind: 'foreign'; clusterId?: string }
  /** pending/error; `ours`: a join into this cluster that did not complete (repaired: leave, re-join). */
  | { kind: 'stuck'; state: string; ours: boolean }
  | { kind: 'locked' };

export function membership(host: ObservedHost, cluster: ObservedCluster | undefined): Membership {
  if (!host.reachable) return { kind: 'unusable', cause: 'unreachable', reason: 'not reachable over SSH' };
  if (!host.docker || !host.swarm) {
    return { kind: 'unusable', cause: 'no-docker', reason: 'the Docker engine did not answer' };
  }
  const s = host.swarm;
  if (s.state === 'inactive') return { kind: 'none' };
  if (s.state === 'locked') return { kind: 'locked' };
  const node = s.nodeId ? cluster?.nodes.find((n) => n.id === s.nodeId) : undefined;
  if (s.state === 'active') {
    // A worker's info has no cluster id: it is ours exactly when our managers list its node id.
    if (node && (s.clusterId === undefined || s.clusterId === cluster?.id)) return { kind: 'ours', node };
    return { kind: 'foreign', clusterId: s.clusterId };
  }
  return { kind: 'stuck', state: s.state, ours: strandedInCluster(s, cluster) };
}

/**
 * A node stuck in `pending`/`error` belongs to this cluster when our managers list its node id, its
 * cluster id is ours, or the manager it was dialling is one of ours (a join stranded by a lost
 * manager has no cluster id and often no node id yet, but while pending it names the manager it
 * joined through; once Docker gives up, state `error`, it names nothing).
 */
export function strandedInCluster(
  s: NonNullable<ObservedHost['swarm']>,
  cluster: ObservedCluster | undefined,
): boolean {
  if (s.state !== 'pending' && s.state !== 'error') return false;
  // A join that died (state error, no cluster, no node id, no manager to dial) belongs to no swarm
  // at all: leaving it loses nothing, and it is nobody else's.
  if (s.state === 'error' && !s.clusterId && !s.nodeId && !s.remoteManagers?.length) return true;
  if (!cluster) return false;
  if (s.clusterId) return s.clusterId === cluster.id;
  if (s.nodeId && cluster.nodes.some((n) => n.id === s.nodeId)) return true;
  const ours = new Set(cluster.nodes.map((n) => n.manager?.addr).filter(Boolean));
  return (s.remoteManagers ?? []).some((addr) => ours.has(addr));
}
