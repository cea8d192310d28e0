/**
 * The sections of the `fleet up` planner (swarm-plan.ts planUp runs them in this order). They share
 * one UpPlanning record: the steps so far, the manager tally every role change is checked against,
 * and each host's role at the end of the run.
 */
import { faultTolerance, quorumSize } from './quorum.js';
import type { Role } from './roles.js';
import { diffLabels } from './swarm-plan-labels.js';
import { isReachableManager, membership } from './swarm-plan-membership.js';
import {
  dropManager,
  evenGuard,
  isStaleEntry,
  planEntryCleanup,
  quorumError,
  type Tally,
} from './swarm-plan-entries.js';
import type {
  DesiredState,
  ObservedHost,
  ObservedNode,
  ObservedState,
  PlanStep,
} from './swarm-plan-types.js';

export interface UpPlanning {
  readonly observed: ObservedState;
  readonly desired: DesiredState;
  readonly steps: PlanStep[];
  readonly notes: string[];
  /** Managers that are unreachable and kept (planEntryCleanup): no healthy manager is demoted meanwhile. */
  readonly unresolved: string[];
  /** Hosts already in our swarm, with their node. */
  readonly members: Map<string, ObservedNode>;
  /** Hosts that join (or init) in this run. */
  readonly joinable: ObservedHost[];
  readonly tally: Tally;
  /** Each host's role once the run is over. */
  readonly finalRole: Map<string, Role>;
  /** The host that initialises a new swarm (none when one exists). */
  initHost?: string;
}

/** A manager entry of this host's own node id: a join that got as far as a Raft seat. */
function raftSeat(cluster: ObservedState['cluster'], host: ObservedHost): boolean {
  const id = host.swarm?.nodeId;
  return Boolean(id && cluster?.nodes.some((n) => n.id === id && n.role === 'manager' && n.manager));
}

function wanted(p: UpPlanning, id: string): Role | undefined {
  return p.desired.roles[id];
}

/** 1. Who can be acted on: members of our swarm, hosts that join (or init) in this run, the skipped. */
export function sortHosts(p: UpPlanning): void {
  const { observed, desired, steps, members, joinable } = p;
  const cluster = observed.cluster;
  const leaves: PlanStep[] = [];
  for (const host of observed.hosts) {
    if (!wanted(p, host.id)) continue;
    const m = membership(host, cluster);
    switch (m.kind) {
      case 'unusable':
        steps.push({ kind: 'skip', stage: 'preflight', host: host.id, cause: m.cause, reason: m.reason });
        break;
      case 'locked':
        steps.push({
          kind: 'skip',
          stage: 'preflight',
          host: host.id,
          cause: 'locked',
          reason: 'its swarm is locked (autolock): unlock it with `docker swarm unlock`',
        });
        break;
      case 'stuck':
        if (m.ours && m.state === 'pending' && raftSeat(cluster, host)) {
          // Still joining and already counted in Raft: a forced leave now takes a seat quorum may
          // need (a 2-manager swarm loses its leader). Left to finish; the next run picks it up.
          const reason = `still joining as manager (swarm state "pending", node ${host.swarm!.nodeId!.slice(0, 12)} holds a Raft seat); left to finish, run fleet up again`;
          steps.push({ kind: 'skip', stage: 'preflight', host: host.id, cause: 'swarm-error', reason });
          p.unresolved.push(`${host.id}: ${reason}`);
          break;
        }
        if (m.ours) {
          // A join into this cluster that never completed (its manager was lost): leave, join again.
          leaves.push({
            kind: 'leave',
            stage: 'leave',
            host: host.id,
            force: true,
            reason: `a join into this cluster did not complete (swarm state "${m.state}")`,
          });
          joinable.push(host);
          break;
        }
      // falls through: stuck in a swarm that is not provably ours
      case 'foreign': {
        const what =
          m.kind === 'foreign'
            ? `in another swarm${m.clusterId ? ` (${m.clusterId.slice(0, 12)})` : ''}`
            : `in swarm state "${m.state}"`;
        if (!desired.force) {
          steps.push({
            kind: 'skip',
            stage: 'preflight',
            host: host.id,
            cause: m.kind === 'foreign' ? 'foreign' : 'swarm-error',
            reason: `${what}; left alone (--force makes it leave and join this cluster)`,
          });
          break;
        }
        leaves.push({
          kind: 'leave',
          stage: 'leave',
          host: host.id,
          force: true,
          reason: `${what} (--force)`,
        });
        joinable.push(host);
        break;
      }
      case 'ours':
        members.set(host.id, m.node);
        break;
      case 'none':
        joinable.push(host);
        break;
    }
  }
  steps.push(...leaves);
}

/** 2. The cluster: reuse it (after checking it still has quorum) or init on the best joinable manager. */
export function planCluster(p: UpPlanning): void {
  const { observed, desired, steps, notes, unresolved, joinable, tally } = p;
  const cluster = observed.cluster;
  if (cluster) {
    const managerNodes = cluster.nodes.filter((n) => n.role === 'manager');
    tally.managers = managerNodes.length;
    tally.reachable = managerNodes.filter(isReachableManager).length;
    // The node list was read, so a leader answered: Raft has quorum. Entries of joins that never
    // completed (or of a host's earlier life) are not voting members fleet can count on, and the
    // cleanup below demotes and removes them; they must not make a live swarm look quorumless.
    const stale = managerNodes.filter((n) => isStaleEntry(observed, n)).length;
    if (tally.reachable < quorumSize(tally.managers - stale)) {
      throw quorumError(
        `swarm ${cluster.id.slice(0, 12)} has lost quorum: ${tally.reachable} of ${tally.managers} managers reachable, ${quorumSize(tally.managers)} needed`,
        'bring managers back online; if they are gone for good, run `docker swarm init --force-new-cluster` on a healthy manager',
      );
    }
    steps.push(...planEntryCleanup(observed, cluster, desired, tally, notes, unresolved));
    steps.push({
      kind: 'reuse',
      stage: 'init',
      clusterId: cluster.id,
      managers: tally.managers,
      reachable: tally.reachable,
    });
  } else {
    const candidates = [
      desired.firstManager,
      ...Object.keys(desired.roles).filter((id) => id !== desired.firstManager),
    ];
    const initHost = candidates.find(
      (id) => wanted(p, id) === 'manager' && joinable.some((h) => h.id === id),
    );
    if (!initHost) {
      const why = steps
        .filter(
          (s): s is Extract<PlanStep, { kind: 'skip' }> =>
            s.kind === 'skip' && wanted(p, s.host) === 'manager',
        )
        .map((s) => `${s.host}: ${s.reason}`);
      throw quorumError(
        `no wanted manager can start the swarm${why.length > 0 ? ` (${why.join('; ')})` : ''}`,
        'make a manager reachable, or pin role: manager on a reachable host',
      );
    }
    if (initHost !== desired.firstManager) {
      notes.push(`${desired.firstManager} cannot start the swarm; ${initHost} initialises it instead`);
    }
    steps.push({ kind: 'init', stage: 'init', host: initHost });
    p.initHost = initHost;
    tally.managers = 1;
    tally.reachable = 1;
  }
}

/** 3. Managers first (promotions, then joins one at a time), so that demotions never cost quorum. */
export function planManagers(p: UpPlanning): void {
  const { steps, notes, members, joinable, tally, finalRole, initHost } = p;
  for (const [id, node] of members) finalRole.set(id, node.role);
  for (const host of joinable) finalRole.set(host.id, wanted(p, host.id) as Role);
  for (const [id, node] of members) {
    if (wanted(p, id) === 'manager' && node.role === 'worker') {
      // A manager that cannot take part in Raft would only raise the quorum it needs.
      if (node.state !== 'ready') {
        notes.push(`${id} is not promoted: its node is ${node.state}`);
        continue;
      }
      steps.push({ kind: 'promote', stage: 'managers', host: id, nodeId: node.id });
      finalRole.set(id, 'manager');
      tally.managers++;
      tally.reachable++;
    }
  }
  for (const host of joinable) {
    if (host.id === initHost || wanted(p, host.id) !== 'manager') continue;
    steps.push({ kind: 'join-manager', stage: 'managers', host: host.id });
    tally.managers++;
    tally.reachable++;
  }
}

/**
 * 4. Demotions: unreachable ones first (free for quorum), then the rest, the leader last. While a
 * manager is unreachable and kept, no healthy manager is demoted: that would spend the margin the
 * unreachable one already took.
 */
export function planDemotions(p: UpPlanning): void {
  const { steps, notes, unresolved, members, tally, finalRole } = p;
  let demotions = [...members].filter(([id, node]) => wanted(p, id) === 'worker' && node.role === 'manager');
  if (unresolved.length > 0 && demotions.length > 0) {
    notes.push(
      `${demotions.map(([id]) => id).join(', ')} stay${demotions.length === 1 ? 's' : ''} manager while a manager is unreachable`,
    );
    demotions = [];
  }
  const order = (n: ObservedNode): number => (!isReachableManager(n) ? 0 : n.manager?.leader ? 2 : 1);
  demotions.sort(([a, na], [b, nb]) => order(na) - order(nb) || (a < b ? -1 : a > b ? 1 : 0));
  for (const [id, node] of demotions) {
    dropManager(tally, isReachableManager(node), `demoting ${id}`);
    steps.push({
      kind: 'demote',
      stage: 'demote',
      host: id,
      nodeId: node.id,
      hostname: node.hostname,
      reason: 'its wanted role is worker',
    });
    finalRole.set(id, 'worker');
  }
}

/** 5. Workers, all at once (and a host that would make the manager count even). */
export function planWorkers(p: UpPlanning): void {
  const { desired, steps, notes, joinable, tally, finalRole, initHost } = p;
  if (tally.managers % 2 === 0 && !desired.allowEven) evenGuard(steps, tally, finalRole, notes);
  for (const host of joinable) {
    if (host.id !== initHost && finalRole.get(host.id) === 'worker') {
      steps.push({ kind: 'join-worker', stage: 'workers', host: host.id });
    }
  }
}

/** Every host selected and in the swarm at the end of the run. */
function finalHostIds(p: UpPlanning): string[] {
  return [...p.members.keys(), ...p.joinable.map((h) => h.id)];
}

/** 6. Labels on every node this inventory manages (joining nodes get their id once joined). */
export function planLabels(p: UpPlanning): void {
  const { desired, steps, members } = p;
  for (const id of finalHostIds(p)) {
    const want = desired.labels?.[id];
    if (!want) continue;
    const node = members.get(id);
    const change = diffLabels(node?.labels ?? {}, want);
    if (Object.keys(change.add).length === 0 && change.remove.length === 0) continue;
    steps.push({ kind: 'set-labels', stage: 'labels', host: id, nodeId: node?.id, ...change });
  }
}

/** 8. Verify the end state (and note what this run leaves as it is). */
export function planVerify(p: UpPlanning): void {
  const { observed, desired, steps, notes, tally, finalRole } = p;
  const cluster = observed.cluster;
  const finalHosts = finalHostIds(p);
  const managers = finalHosts.filter((id) => finalRole.get(id) === 'manager');
  const workers = finalHosts.filter((id) => finalRole.get(id) === 'worker');
  for (const host of observed.hosts) {
    const m = wanted(p, host.id) ? undefined : membership(host, cluster);
    if (m?.kind === 'ours') {
      notes.push(`${host.id} (${m.node.hostname}) is in the swarm but not selected: left as ${m.node.role}`);
    }
  }
  const skippedManagers = Object.keys(desired.roles).filter(
    (id) => desired.roles[id] === 'manager' && !managers.includes(id),
  );
  if (skippedManagers.length > 0) {
    notes.push(
      `${skippedManagers.join(', ')} cannot become manager${skippedManagers.length > 1 ? 's' : ''} in this run: ` +
        `the swarm will have ${tally.managers} manager${tally.managers === 1 ? '' : 's'} (tolerates ${faultTolerance(tally.managers)} failure${faultTolerance(tally.managers) === 1 ? '' : 's'})`,
    );
  }
  steps.push({ kind: 'verify', stage: 'verify', managers, workers, quorum: quorumSize(tally.managers) });
}
