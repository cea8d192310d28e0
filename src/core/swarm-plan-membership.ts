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

/**
 * Only a manager Raft calls Reachable, on a node that is not Down, takes part in quorum: right after
 * `docker swarm leave -f` a manager's entry can read Down and still Reachable for a while.
 */
export function isReachableManager(n: Pick<ObservedNode, 'role' | 'state' | 'manager'>): boolean {
  return n.role === 'manager' && n.manager?.reachability === 'reachable' && n.state !== 'down';
}

/** The IP a node entry was last seen at: a manager's advertise address, else its Status.Addr. */
export function nodeAddress(n: Pick<ObservedNode, 'addr' | 'manager'>): string | undefined {
  const addr = n.manager?.addr?.replace(/:\d+$/, '') || n.addr;
  return addr && addr !== '0.0.0.0' ? addr : undefined;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * Whether a node entry is (or was) this host. By address when both are IPs — many Jetsons share a
 * hostname — else by hostname.
 */
export function isEntryOf(
  host: { address?: string; hostname?: string },
  n: Pick<ObservedNode, 'hostname' | 'addr' | 'manager'>,
): boolean {
  const addr = nodeAddress(n);
  if (addr && host.address && IPV4.test(host.address)) return addr === host.address;
  return Boolean(host.hostname) && n.hostname === host.hostname;
}

/** A host of the inventory as verify knows it after the joins. */
export interface LiveHost {
  id: string;
  address?: string;
  hostname?: string;
  /** The node id its engine runs now; undefined when it is in no swarm. */
  nodeId?: string;
}

/**
 * Entries left by an earlier life of a host that now runs another node (it left and re-joined, or the
 * swarm was restored with force-new-cluster): same address (or, without an IP, same hostname),
 * another id, and no longer alive (not Ready, or a manager Raft cannot reach). A Ready entry at the
 * same address may be a second machine behind the same NAT: never removed, only waited for
 * (`settlingEntries`). These are what `up` removes after its joins; the leader entry never is.
 */
export function staleEntries<N extends ObservedNode>(hosts: readonly LiveHost[], nodes: readonly N[]): N[] {
  return matchedEntries(hosts, nodes).filter(
    (n) => n.state !== 'ready' || (n.role === 'manager' && !isReachableManager(n)),
  );
}

/** Entries at a re-joined host's IP that still read Ready: the old life's heartbeat has not expired yet. */
export function settlingEntries<N extends ObservedNode>(
  hosts: readonly LiveHost[],
  nodes: readonly N[],
): N[] {
  const stale = new Set(staleEntries(hosts, nodes));
  return matchedEntries(hosts, nodes).filter(
    (n) =>
      !stale.has(n) &&
      hosts.some((h) => h.nodeId && h.address && IPV4.test(h.address) && nodeAddress(n) === h.address),
  );
}

function matchedEntries<N extends ObservedNode>(hosts: readonly LiveHost[], nodes: readonly N[]): N[] {
  const live = new Set(hosts.map((h) => h.nodeId).filter(Boolean));
  return nodes.filter(
    (n) => !live.has(n.id) && !n.manager?.leader && hosts.some((h) => h.nodeId && isEntryOf(h, n)),
  );
}
