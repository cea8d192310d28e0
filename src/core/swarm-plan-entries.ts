/**
 * The planner's bookkeeping of managers (a running tally checked against the quorum at every step)
 * and the node entries no live member answers for: stale ones (removed), unreachable managers (kept,
 * or replaced behind --replace-unreachable-managers), and the guard against an even manager count.
 */
import { FleetError } from './errors.js';
import { quorumSize } from './quorum.js';
import type { Role } from './roles.js';
import { isEntryOf, isReachableManager } from './swarm-plan-membership.js';
import type {
  DesiredState,
  ObservedCluster,
  ObservedHost,
  ObservedNode,
  ObservedState,
  PlanStep,
} from './swarm-plan-types.js';

/** Running manager tally used to check every step against the quorum. */
export interface Tally {
  managers: number;
  reachable: number;
}

export function quorumError(message: string, hint?: string): FleetError {
  return new FleetError('quorum', message, { hint });
}

/** Removes a manager from the tally, refusing when the survivors would lose quorum. */
export function dropManager(t: Tally, reachable: boolean, what: string): void {
  const after: Tally = { managers: t.managers - 1, reachable: t.reachable - (reachable ? 1 : 0) };
  if (after.managers < 1) throw quorumError(`${what} would leave the swarm without a manager`);
  if (after.reachable < quorumSize(after.managers)) {
    throw quorumError(
      `${what} would leave ${after.reachable} of ${after.managers} managers reachable, below the quorum of ${quorumSize(after.managers)}`,
      'bring the unreachable managers back first, or keep this host a manager (role: manager)',
    );
  }
  t.managers = after.managers;
  t.reachable = after.reachable;
}

/**
 * An even manager count tolerates no more failures than one less and needs one more for quorum: the
 * last manager this plan adds is not added (a joining host joins as worker instead).
 */
export function evenGuard(
  steps: PlanStep[],
  tally: Tally,
  finalRole: Map<string, Role>,
  notes: string[],
): void {
  for (let i = steps.length - 1; i >= 0; i--) {
    const step = steps[i]!;
    if (step.kind !== 'promote' && step.kind !== 'join-manager') continue;
    steps.splice(i, 1);
    finalRole.set(step.host, 'worker');
    tally.managers--;
    tally.reachable--;
    notes.push(
      `${step.host} stays a worker: ${tally.managers + 1} managers would be an even count, tolerating no more failures than ${tally.managers}`,
    );
    return;
  }
}

/**
 * Node entries no live member of this cluster answers for:
 * - stale: the host behind it is reachable and runs another node id, or none (it left, or re-joined):
 *   demote it if a manager (free for quorum: it is not reachable) and remove it;
 * - an unreachable manager whose host cannot be reached (SSH or engine): kept, and reported as
 *   unresolved, unless --replace-unreachable-managers (then demoted and removed, with the quorum math);
 * - other Down entries no inventory host claims: only reported.
 */
/** The inventory host an entry belongs to (a host that was not reached stands in with its id). */
function entryOwner(observed: ObservedState, node: ObservedNode): ObservedHost | undefined {
  return observed.hosts.find((h) => isEntryOf({ address: h.address, hostname: h.hostname ?? h.id }, node));
}

/**
 * An entry left behind by an earlier life of a host that is live now and runs another node id, or
 * none (it left, or its join never completed): not healthy, and not the node its host runs.
 */
export function isStaleEntry(observed: ObservedState, node: ObservedNode): boolean {
  if (observed.hosts.some((h) => h.swarm?.nodeId === node.id)) return false;
  // A join that never completed (its link was cut mid-join) leaves an entry that never registered:
  // no hostname, never Ready. No host will ever claim it, and it holds a manager seat.
  if (!node.hostname && node.state !== 'ready') return true;
  const healthy = node.state === 'ready' && (node.role === 'worker' || isReachableManager(node));
  const owner = entryOwner(observed, node);
  return Boolean(owner && owner.reachable && owner.docker && owner.swarm && !healthy);
}

export function planEntryCleanup(
  observed: ObservedState,
  cluster: ObservedCluster,
  desired: DesiredState,
  tally: Tally,
  notes: string[],
  unresolved: string[],
): PlanStep[] {
  const steps: PlanStep[] = [];
  const liveIds = new Set(observed.hosts.map((h) => h.swarm?.nodeId).filter(Boolean));
  const entries = cluster.nodes
    .filter((n) => !liveIds.has(n.id))
    .sort((a, b) => (a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : a.id < b.id ? -1 : 1));
  for (const node of entries) {
    const owner = entryOwner(observed, node);
    const name = `${node.hostname} (${node.id.slice(0, 12)})`;
    if (isStaleEntry(observed, node)) {
      const reason = owner
        ? `stale entry; ${owner.id} now runs ${owner.swarm?.nodeId ? `node ${owner.swarm.nodeId.slice(0, 12)}` : 'outside the swarm'}`
        : 'stale entry of a join that never completed (no hostname, never Ready)';
      if (node.role === 'manager') {
        dropManager(tally, false, `demoting stale entry ${node.hostname}`);
        steps.push({ kind: 'demote', stage: 'cleanup', nodeId: node.id, hostname: node.hostname, reason });
      }
      steps.push({ kind: 'remove-node', stage: 'cleanup', nodeId: node.id, hostname: node.hostname, reason });
      continue;
    }
    if (node.role === 'manager' && !isReachableManager(node)) {
      const who = owner
        ? `${owner.id} is ${owner.reachable ? 'reachable but its engine did not answer' : 'not reachable'}`
        : 'no inventory host claims it';
      const before = `${tally.reachable}/${tally.managers} reachable, quorum ${quorumSize(tally.managers)}`;
      if (!desired.replaceUnreachableManagers) {
        unresolved.push(`manager ${name} is unreachable (${who}); kept: ${before}`);
        notes.push(
          `manager ${name} is unreachable (${who}): not replaced, roles left as they are (${before}); ` +
            'bring it back, or run up --replace-unreachable-managers to demote and remove it and give its seat to another host',
        );
        continue;
      }
      dropManager(tally, false, `replacing unreachable manager ${node.hostname}`);
      const reason = `unreachable manager (${who}), replaced (--replace-unreachable-managers): ${before} → ${tally.reachable}/${tally.managers} reachable, quorum ${quorumSize(tally.managers)}`;
      steps.push({
        kind: 'demote',
        stage: 'cleanup',
        host: owner?.id,
        nodeId: node.id,
        hostname: node.hostname,
        reason,
      });
      steps.push({
        kind: 'remove-node',
        stage: 'cleanup',
        host: owner?.id,
        nodeId: node.id,
        hostname: node.hostname,
        reason,
      });
      continue;
    }
    const healthy = node.state === 'ready' && (node.role === 'worker' || isReachableManager(node));
    if (!healthy && !owner) notes.push(`node ${name} is ${node.state} and no selected host claims it`);
  }
  return steps;
}
