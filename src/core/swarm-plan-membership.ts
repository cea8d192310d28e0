/** Where a host stands relative to this inventory's swarm: the first question of every plan. */
import type { ObservedCluster, ObservedHost, ObservedNode, SkipCause } from './swarm-plan-types.js';

/** Where a host stands relative to our cluster. */
export type Membership =
  | { kind: 'unusable'; cause: SkipCause; reason: string }
  | { kind: 'none' }
  | { kind: 'ours'; node: ObservedNode }
  | { kind: 'foreign'; clusterId?: string }
  | { kind: 'stuck'; state: string }
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
  return { kind: 'stuck', state: s.state };
}
