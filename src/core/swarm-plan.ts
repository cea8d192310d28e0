/**
 * The swarm planner: observed cluster state + desired roles/labels/network → an ordered list of typed
 * steps (types in swarm-plan-types.ts). Pure: the up phases observe, call planUp, then execute the
 * steps in order; `fleet plan` prints them. Every role change is simulated against the Raft quorum
 * first: managers are added before any is removed, unreachable managers are removed before reachable
 * ones, the leader last, and a plan that would drop below quorum at any step is refused.
 */
import { FleetError } from './errors.js';
import { quorumSize } from './quorum.js';
import {
  planCluster,
  planDemotions,
  planLabels,
  planManagers,
  planVerify,
  planWorkers,
  sortHosts,
  type UpPlanning,
} from './swarm-plan-up.js';
import {
  NO_CHANGE_KINDS,
  type DesiredState,
  type ObservedNetwork,
  type ObservedState,
  type PlanStep,
  type SwarmPlan,
} from './swarm-plan-types.js';

export * from './swarm-plan-types.js';
export { MANAGED_LABELS_KEY, applyLabelChange, diffLabels } from './swarm-plan-labels.js';
export {
  isEntryOf,
  isReachableManager,
  membership,
  nodeAddress,
  settlingEntries,
  staleEntries,
  type LiveHost,
  type Membership,
} from './swarm-plan-membership.js';
export { planDown, type PlanDownOptions } from './swarm-plan-down.js';
export { describeStep, formatPlan, stepHost } from './swarm-plan-describe.js';
export { decideLeaderlessRepair, type LeaderlessVerdict } from './swarm-plan-recover.js';

function networkMismatch(have: ObservedNetwork, want: NonNullable<DesiredState['network']>): string[] {
  const diffs: string[] = [];
  if (have.driver !== want.driver) diffs.push(`driver ${have.driver} (wanted ${want.driver})`);
  if (want.subnet && have.subnet !== want.subnet)
    diffs.push(`subnet ${have.subnet ?? 'none'} (wanted ${want.subnet})`);
  if (want.gateway && have.gateway !== want.gateway) {
    diffs.push(`gateway ${have.gateway ?? 'none'} (wanted ${want.gateway})`);
  }
  if (have.attachable !== want.attachable)
    diffs.push(`attachable ${have.attachable} (wanted ${want.attachable})`);
  return diffs;
}

/** 7. The overlay network: created when missing, refused when it exists with other settings. */
export function planNetwork(p: UpPlanning): void {
  const { desired, steps } = p;
  const cluster = p.observed.cluster;
  if (desired.network) {
    const have = cluster?.networks?.find((n) => n.name === desired.network?.name);
    if (have) {
      const diffs = networkMismatch(have, desired.network);
      if (diffs.length > 0) {
        throw new FleetError(
          'docker',
          `network ${have.name} exists with different settings: ${diffs.join(', ')}`,
          {
            hint: `remove it (docker network rm ${have.name}) or change the network settings in nodes.yml`,
          },
        );
      }
    } else {
      steps.push({ kind: 'create-network', stage: 'network', network: desired.network });
    }
  }
}

/**
 * Plans `fleet up`, in the order the run executes (each section in swarm-plan-up.ts). Throws
 * FleetError('quorum') when our cluster has already lost quorum or the role changes cannot keep it,
 * FleetError('docker') when the network exists with other settings, and FleetError('quorum') when no
 * wanted manager can start a new swarm.
 */
export function planUp(observed: ObservedState, desired: DesiredState): SwarmPlan {
  const p: UpPlanning = {
    observed,
    desired,
    steps: [],
    notes: [],
    unresolved: [],
    members: new Map(),
    joinable: [],
    tally: { managers: 0, reachable: 0 },
    finalRole: new Map(),
  };
  sortHosts(p);
  planCluster(p);
  planManagers(p);
  planDemotions(p);
  planWorkers(p);
  planLabels(p);
  planNetwork(p);
  planVerify(p);
  const { steps, notes, unresolved, tally } = p;
  return { steps, notes, managers: tally.managers, quorum: quorumSize(tally.managers), unresolved };
}

/** Steps that change something (everything but skip, reuse and verify). */
export function changeSteps(plan: Pick<SwarmPlan, 'steps'>): PlanStep[] {
  return plan.steps.filter((s) => !NO_CHANGE_KINDS.has(s.kind));
}

/** A re-run against a converged cluster plans no change. */
export function isNoop(plan: Pick<SwarmPlan, 'steps'>): boolean {
  return changeSteps(plan).length === 0;
}
