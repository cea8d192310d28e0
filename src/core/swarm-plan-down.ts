/**
 * Planning `fleet down`: workers leave first (in parallel), then managers one at a time — each demoted
 * on the leader before it leaves, so the survivors keep quorum — and the leader last. When only some of
 * the swarm's hosts are selected, their node entries are removed afterwards and the swarm lives on.
 */
import { quorumSize } from './quorum.js';
import { membership } from './swarm-plan-membership.js';
import type { ObservedNode, ObservedState, PlanStep, SwarmPlan } from './swarm-plan-types.js';

export interface PlanDownOptions {
  /** --force: also make hosts in other swarms (or stuck ones) leave. */
  force?: boolean;
}

const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const reachableManager = (n: ObservedNode): boolean =>
  n.role === 'manager' && n.manager?.reachability === 'reachable';

export function planDown(observed: ObservedState, options: PlanDownOptions = {}): SwarmPlan {
  // Long (~170 lines) on purpose: one quorum simulation (tally of managers and reachable ones) runs through
  // workers, managers and the leader in order; split, every part would take and return that tally.
  const cluster = observed.cluster;
  const steps: PlanStep[] = [];
  const notes: string[] = [];
  const workers: PlanStep[] = [];
  const leaving = new Map<string, ObservedNode>();
  const foreignLeaves: PlanStep[] = [];

  for (const host of observed.hosts) {
    const m = membership(host, cluster);
    if (m.kind === 'unusable') {
      steps.push({ kind: 'skip', stage: 'preflight', host: host.id, cause: m.cause, reason: m.reason });
    } else if (m.kind === 'none') {
      steps.push({
        kind: 'skip',
        stage: 'preflight',
        host: host.id,
        cause: 'not-member',
        reason: 'not in a swarm',
      });
    } else if (m.kind === 'locked') {
      steps.push({
        kind: 'skip',
        stage: 'preflight',
        host: host.id,
        cause: 'locked',
        reason: 'its swarm is locked',
      });
    } else if (m.kind === 'foreign' || m.kind === 'stuck') {
      const what = m.kind === 'foreign' ? 'in another swarm' : `in swarm state "${m.state}"`;
      if (options.force) {
        foreignLeaves.push({
          kind: 'leave',
          stage: 'managers',
          host: host.id,
          force: true,
          reason: `${what} (--force)`,
        });
      } else {
        steps.push({
          kind: 'skip',
          stage: 'preflight',
          host: host.id,
          cause: m.kind === 'foreign' ? 'foreign' : 'swarm-error',
          reason: `${what}; left alone (--force makes it leave)`,
        });
      }
    } else if (m.node.role === 'worker') {
      workers.push({ kind: 'leave', stage: 'workers', host: host.id, force: false, reason: 'fleet down' });
      leaving.set(host.id, m.node);
    } else {
      leaving.set(host.id, m.node);
    }
  }
  steps.push(...workers);

  if (!cluster) {
    steps.push(...foreignLeaves);
    return { steps, notes, managers: 0, quorum: 0, unresolved: [] };
  }

  const managerNodes = cluster.nodes.filter((n) => n.role === 'manager');
  const leavingIds = new Set([...leaving.values()].map((n) => n.id));
  // The swarm ends when every reachable manager leaves; otherwise the rest of it lives on.
  const teardown = managerNodes.filter(reachableManager).every((n) => leavingIds.has(n.id));
  let managers = managerNodes.length;
  let reachable = managerNodes.filter(reachableManager).length;
  const hasQuorum = reachable >= quorumSize(managers);

  const leavingManagers = [...leaving].filter(([, n]) => n.role === 'manager');
  const order = (n: ObservedNode): number => (!reachableManager(n) ? 0 : n.manager?.leader ? 2 : 1);
  leavingManagers.sort(([a, na], [b, nb]) => order(na) - order(nb) || byId(a, b));

  if (!hasQuorum) {
    // No quorum, no demotions: each manager can still drop out locally.
    notes.push(
      `the swarm has lost quorum (${reachable} of ${managers} managers reachable): managers leave with force, without demotion`,
    );
    for (const [id] of leavingManagers) {
      steps.push({
        kind: 'leave',
        stage: 'managers',
        host: id,
        force: true,
        reason: 'fleet down (no quorum)',
      });
    }
    steps.push(...foreignLeaves);
    return { steps, notes, managers: 0, quorum: 0, unresolved: [] };
  }

  if (teardown) {
    // Unreachable managers are demoted first: each one raises the quorum the others need.
    const owner = new Map([...leaving].map(([id, n]) => [n.id, id]));
    for (const n of managerNodes
      .filter((x) => !reachableManager(x))
      .sort((a, b) => byId(a.hostname, b.hostname))) {
      steps.push({
        kind: 'demote',
        stage: 'managers',
        host: owner.get(n.id),
        nodeId: n.id,
        hostname: n.hostname,
        reason: 'unreachable manager',
      });
      managers--;
    }
  }
  const last = teardown ? leavingManagers[leavingManagers.length - 1] : undefined;
  for (const [id, node] of leavingManagers) {
    if (last && id === last[0]) continue;
    if (!reachableManager(node) && teardown) {
      // Demoted above; as a worker now it leaves without force.
      steps.push({ kind: 'leave', stage: 'managers', host: id, force: false, reason: 'fleet down' });
      continue;
    }
    // Partial down must keep quorum for the managers that stay.
    if (!teardown && reachable - (reachableManager(node) ? 1 : 0) < quorumSize(managers - 1)) {
      notes.push(`${id} stays a manager: removing it would leave the remaining managers without quorum`);
      continue;
    }
    if (!teardown && managers - 1 < 1) continue;
    steps.push({
      kind: 'demote',
      stage: 'managers',
      host: id,
      nodeId: node.id,
      hostname: node.hostname,
      reason: 'fleet down',
    });
    steps.push({ kind: 'leave', stage: 'managers', host: id, force: false, reason: 'fleet down' });
    managers--;
    if (reachableManager(node)) reachable--;
  }
  if (last) {
    steps.push({
      kind: 'leave',
      stage: 'managers',
      host: last[0],
      force: true,
      reason: 'last manager: ends the swarm',
    });
    managers = 0;
    const others = cluster.nodes.filter((n) => !leavingIds.has(n.id) && n.state !== 'down');
    if (others.length > 0) {
      notes.push(
        `${others.map((n) => n.hostname).join(', ')} ${others.length === 1 ? 'is' : 'are'} not selected and stay${others.length === 1 ? 's' : ''} in the ended swarm: run \`docker swarm leave\` there`,
      );
    }
  } else {
    // In the order they left: the leader removes each entry once its node is down.
    const left = steps.flatMap((s) => (s.kind === 'leave' ? [s.host] : []));
    for (const id of left) {
      const node = leaving.get(id);
      if (!node) continue;
      steps.push({
        kind: 'remove-node',
        stage: 'cleanup',
        host: id,
        nodeId: node.id,
        hostname: node.hostname,
        reason: 'left the swarm',
      });
    }
  }
  steps.push(...foreignLeaves);
  return { steps, notes, managers, quorum: quorumSize(managers), unresolved: [] };
}
