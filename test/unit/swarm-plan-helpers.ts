/** Builders for planner tests: observed hosts, nodes and clusters in a few words. */
import type {
  ObservedCluster,
  ObservedHost,
  ObservedNode,
  PlanStep,
  Role,
  SwarmPlan,
} from '../../src/core/swarm-plan.js';

export const CLUSTER = 'clusterours0000000000000';

/** A reachable host with Docker, not in a swarm. */
export function fresh(id: string): ObservedHost {
  return { id, reachable: true, docker: true, hostname: id, swarm: { state: 'inactive' } };
}

/** A reachable host that is a member of our cluster as node `n-<id>`. */
export function member(id: string, role: Role): ObservedHost {
  return {
    id,
    reachable: true,
    docker: true,
    hostname: id,
    swarm: {
      state: 'active',
      nodeId: `n-${id}`,
      clusterId: role === 'manager' ? CLUSTER : undefined,
      controlAvailable: role === 'manager',
    },
  };
}

export function node(
  id: string,
  role: Role,
  opts: { leader?: boolean; down?: boolean; labels?: Record<string, string>; nodeId?: string } = {},
): ObservedNode {
  return {
    id: opts.nodeId ?? `n-${id}`,
    hostname: id,
    role,
    availability: 'active',
    labels: opts.labels ?? {},
    state: opts.down ? 'down' : 'ready',
    manager:
      role === 'manager'
        ? { leader: opts.leader ?? false, reachability: opts.down ? 'unreachable' : 'reachable' }
        : undefined,
  };
}

export function cluster(nodes: ObservedNode[], extra: Partial<ObservedCluster> = {}): ObservedCluster {
  return { id: CLUSTER, nodes, ...extra };
}

/** "kind host" per step, e.g. ["init a", "join-manager b", "create-network", "verify"]. */
export function summary(plan: SwarmPlan): string[] {
  return plan.steps.map((s: PlanStep) => {
    const who = 'host' in s && s.host ? s.host : 'hostname' in s ? s.hostname : '';
    return who ? `${s.kind} ${who}` : s.kind;
  });
}
