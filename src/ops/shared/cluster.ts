/**
 * The one cluster observer: the node list, read from the first manager that answers. Used by the
 * swarm pipeline (classify, refreshCluster) and by backup/restore's observation.
 */
import type { DockerEngine, SwarmNode } from '../../adapters/docker/types.js';
import { toFleetError } from '../../core/errors.js';

/** Anything that may hold an engine to a manager (swarm's HostRecord, backup's ObservedHost). */
export interface ManagerHandle {
  engine?: DockerEngine;
}

export interface ClusterNodesRead<M> {
  nodes: SwarmNode[];
  /** The manager that answered. */
  via: M;
  /** The node id of the swarm's leader, when the list names one. */
  leaderNodeId?: string;
}

/**
 * Node list from the first manager that answers, in the given order (callers put the leader first).
 * A manager without quorum cannot list nodes: the next one is tried. `log` hears each failure (swarm
 * logs it at debug; backup stays silent, as before).
 */
export async function readClusterNodes<M extends ManagerHandle>(
  managers: M[],
  signal: AbortSignal,
  log?: (message: string, manager: M) => void,
): Promise<ClusterNodesRead<M> | undefined> {
  for (const manager of managers) {
    if (!manager.engine) continue;
    try {
      const nodes = await manager.engine.listNodes(signal);
      return { nodes, via: manager, leaderNodeId: nodes.find((n) => n.manager?.leader)?.id };
    } catch (err) {
      log?.(`GET /nodes failed: ${toFleetError(err).message}`, manager);
    }
  }
  return undefined;
}
