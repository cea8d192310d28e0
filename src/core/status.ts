/**
 * `fleet status` as data: one row per swarm node (joined with its host's metrics), the services with
 * replicas running vs desired, the quorum, and the verdict — healthy, or degraded with the reasons.
 * Pure: ops/status gathers the inputs, views/status.ts shows them.
 */
import type { HostMetrics } from './host-metrics.js';
import { quorumConcerns, type QuorumHealth } from './quorum.js';

export type NodeRole = 'leader' | 'manager' | 'worker';

export interface StatusNode {
  /** Inventory id when the node is one of the selected hosts, else the swarm hostname. */
  name: string;
  /** The swarm's hostname of the node; null for a host that is in no swarm. */
  hostname: string | null;
  nodeId: string | null;
  /** null: the host is not a member of this swarm. */
  role: NodeRole | null;
  /**
   * Swarm node state; 'left' when the swarm lists the node but its own engine says it is in no
   * swarm (it left: `docker swarm leave`), 'not-in-swarm' for a selected host the swarm does not list.
   */
  state: 'ready' | 'down' | 'unknown' | 'disconnected' | 'left' | 'not-in-swarm';
  availability: 'active' | 'pause' | 'drain' | null;
  /** Managers only: what the swarm's Raft says about it. */
  managerReachability: 'reachable' | 'unreachable' | 'unknown' | null;
  /** Running tasks the swarm placed on the node. */
  tasks: number;
  /** SSH: 'unreachable' rows still show their swarm state; 'not-selected' rows were not asked. */
  ssh: 'ok' | 'unreachable' | 'not-selected';
  /** Why SSH or the engine failed on this host, when they did. */
  sshError?: string;
  dockerError?: string;
  metrics: HostMetrics | null;
}

export interface ServiceHealth {
  id: string;
  name: string;
  mode: string;
  image: string;
  running: number;
  /** null for jobs (they finish; "below replicas" does not apply). */
  desired: number | null;
}

export interface StatusVerdict {
  healthy: boolean;
  /** What makes the cluster degraded (exit 10), one sentence each. */
  problems: string[];
  /** Worth knowing but not degraded (an even manager count). */
  warnings: string[];
}

/** The task/node facts summariseServices needs (structural: adapters' SwarmTask and SwarmNode fit). */
export interface TaskFacts {
  serviceId: string;
  nodeId: string;
  state: string;
  desiredState: string;
}
export interface ServiceFacts {
  id: string;
  name: string;
  mode: string;
  replicas?: number;
  image: string;
}

/**
 * Replicas running vs desired, counted like `docker service ls`: a task counts as running when it runs
 * on a node that is not down; a global service wants one task per node that is not down and has a
 * task meant to run.
 */
export function summariseServices(
  services: ServiceFacts[],
  tasks: TaskFacts[],
  downNodeIds: ReadonlySet<string>,
): ServiceHealth[] {
  return services
    .map((s) => {
      const mine = tasks.filter((t) => t.serviceId === s.id && !downNodeIds.has(t.nodeId));
      const running = mine.filter((t) => t.state === 'running' && t.desiredState === 'running').length;
      let desired: number | null = null;
      if (s.mode === 'replicated') desired = s.replicas ?? 0;
      else if (s.mode === 'global') desired = mine.filter((t) => t.desiredState === 'running').length;
      return { id: s.id, name: s.name, mode: s.mode, image: s.image, running, desired };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

export const serviceDegraded = (s: ServiceHealth): boolean => s.desired !== null && s.running < s.desired;

/** Why a row is marked (empty: nothing wrong with it). */
export function nodeProblems(node: StatusNode): string[] {
  const out: string[] = [];
  if (node.state === 'not-in-swarm') out.push('not in the swarm');
  else if (node.state === 'left')
    out.push('left the swarm (its engine is in no swarm; fleet up re-joins it)');
  else if (node.state !== 'ready') out.push(`swarm state ${node.state}`);
  if (node.managerReachability === 'unreachable') out.push('manager unreachable');
  if (node.ssh === 'unreachable') out.push(`SSH unreachable${node.sshError ? ` (${node.sshError})` : ''}`);
  else if (node.dockerError) out.push(`Docker not answering (${node.dockerError})`);
  return out;
}

/**
 * Degraded when a node is not ready (down, left the swarm, not in it), a manager unreachable, a selected host unreachable over SSH or its
 * engine silent, quorum lost or at margin 0, or a service below its replicas. A drained or paused node
 * is an operator's choice, not a problem.
 */
export function statusVerdict(
  nodes: StatusNode[],
  services: ServiceHealth[],
  quorum: QuorumHealth,
): StatusVerdict {
  const problems: string[] = [];
  for (const node of nodes) {
    const why = nodeProblems(node);
    if (why.length > 0) problems.push(`${node.name}: ${why.join(', ')}`);
  }
  const concerns = quorumConcerns(quorum);
  problems.push(...concerns.problems);
  for (const s of services) {
    if (serviceDegraded(s)) problems.push(`service ${s.name}: ${s.running}/${s.desired} replicas running`);
  }
  return { healthy: problems.length === 0, problems, warnings: concerns.warnings };
}
