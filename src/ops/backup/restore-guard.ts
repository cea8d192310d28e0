/**
 * `restore --only swarm` is Docker's disaster recovery: it forces a new cluster from the archived Raft
 * state. On a cluster that still has quorum that replaces a working control plane (and has panicked a
 * live manager's engine: `tocommit(105) is out of range [lastIndex(103)]`), so it is refused while any
 * manager among the hosts can still list the nodes (only a manager with a leader, i.e. quorum, can).
 */
import type { SshPool } from '../../adapters/ssh/types.js';
import { FleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import { quorumSize } from '../../core/quorum.js';
import type { EventBus } from '../../runtime/events.js';
import { observeHosts, readCluster } from './observe.js';

export interface LiveQuorum {
  /** The manager that answered. */
  host: string;
  clusterId?: string;
  reachable: number;
  managers: number;
}

/** The quorum a reachable manager reports, or undefined when no host sees a swarm with quorum. */
export async function seeLiveQuorum(o: {
  hosts: HostTarget[];
  pool: SshPool;
  bus: EventBus;
  signal: AbortSignal;
  concurrency: number;
  sudo: boolean;
  sudoPassword?: string;
}): Promise<LiveQuorum | undefined> {
  // Unreachable hosts are expected in a disaster; only what answers counts.
  const observed = await observeHosts({ ...o, paths: [], volumes: [], needDocker: true });
  try {
    const cluster = await readCluster(observed.hosts, o.signal);
    if (!cluster) return undefined;
    const managers = cluster.nodes.filter((n) => n.role === 'manager');
    const via = observed.hosts.find((h) => cluster.raw.some((n) => n.id === h.observation.docker?.nodeId));
    return {
      host: cluster.leader?.target.id ?? via?.target.id ?? '?',
      clusterId: (cluster.leader ?? via)?.observation.docker?.clusterId,
      reachable: managers.filter((n) => n.reachability === 'reachable').length,
      managers: managers.length,
    };
  } finally {
    for (const h of observed.hosts) h.engine?.close();
  }
}

export function refuseLiveSwarm(q: LiveQuorum): FleetError {
  return new FleetError(
    'quorum',
    `the swarm${q.clusterId ? ` ${q.clusterId}` : ''} is alive with quorum ${q.reachable}/${q.managers} (needs ${quorumSize(q.managers)}), seen from ${q.host}; restoring its state would replace a working cluster`,
    {
      host: q.host,
      hint: 'restore --only swarm is for disaster recovery, when a majority of managers is lost; on a working cluster restore only paths/volumes (--only paths,volumes)',
    },
  );
}
