/**
 * The thin edge around the pure planner (core/swarm-plan): preflight's observations become an
 * ObservedState, the roles/labels/network wanted a DesiredState, planUp turns them into ordered
 * steps, and the phases execute their stage's steps through the change gate with the planner's own
 * sentences — so `fleet plan` prints exactly what `fleet up` then does.
 */
import {
  describeStep,
  planDown,
  planUp,
  stepHost,
  type DesiredState,
  type ObservedHost,
  type ObservedState,
  type PlanStep,
  type StepKind,
} from '../../core/swarm-plan.js';
import { toFleetError } from '../../core/errors.js';
import { leaderRecord, recordAction, usable, type HostRecord, type SwarmContext } from './context.js';
import { applyLabels, wantedLabels } from './labels.js';
import { viaManager } from './actions.js';

/**
 * A manager whose swarm has no leader (too few managers online: no quorum) answers GET /info without
 * its cluster (id and labels can only be read through a leader). Its swarm cannot be told apart from
 * a foreign one, and must not be taken for one: fleet would leave these hosts alone and form a second
 * swarm from the others.
 */
export function leaderless(host: HostRecord): boolean {
  const swarm = host.info?.swarm;
  if (!swarm || swarm.localNodeState !== 'active' || swarm.clusterId) return false;
  return swarm.controlAvailable || /leader|quorum/i.test(swarm.error ?? '');
}

/** One host as the planner sees it, from what preflight recorded (exported for tests). */
export function observedHost(host: HostRecord): ObservedHost {
  const swarm = host.info?.swarm;
  return {
    id: host.target.id,
    reachable: Boolean(host.conn),
    docker: Boolean(host.engine && host.info),
    hostname: host.info?.hostname || host.facts?.hostname || undefined,
    address: host.target.address,
    swarm: swarm && {
      state: swarm.localNodeState,
      nodeId: swarm.nodeId || undefined,
      clusterId: swarm.clusterId || undefined,
      controlAvailable: swarm.controlAvailable,
      ...(swarm.remoteManagers?.length ? { remoteManagers: swarm.remoteManagers } : {}),
      ...(swarm.remotePeers?.length ? { raftPeers: swarm.remotePeers } : {}),
      ...(leaderless(host) ? { leaderless: true } : {}),
    },
  };
}

/**
 * Everything preflight saw, once: hosts, our cluster's nodes and (for up) the wanted network as the
 * leader has it.
 */
export async function observedState(ctx: SwarmContext): Promise<ObservedState> {
  const hosts = [...ctx.hosts.values()].map(observedHost);
  const cluster = ctx.cluster;
  if (!cluster) return { hosts };
  if (ctx.command === 'down') return { hosts, cluster: { id: cluster.id, nodes: cluster.nodes } };
  const leader = leaderRecord(ctx);
  const want = ctx.options.network.name;
  let networks;
  try {
    const net = await leader?.engine?.inspectNetwork(want, ctx.signal);
    networks = net ? [net] : [];
  } catch (err) {
    // Planned blind: the create step then fails (or succeeds) on its own terms.
    ctx.bus.log('warn', `cannot list networks: ${toFleetError(err).message}`, cluster.leader);
  }
  return { hosts, cluster: { id: cluster.id, nodes: cluster.nodes, networks } };
}

export function desiredState(ctx: SwarmContext): DesiredState {
  const wanted = usable(ctx).filter((h) => h.role && h.result.status !== 'skipped');
  const roles = Object.fromEntries(wanted.map((h) => [h.target.id, h.role!]));
  const first = wanted
    .filter((h) => h.role === 'manager')
    .sort((a, b) => (a.rank ?? 1e9) - (b.rank ?? 1e9))[0];
  return {
    roles,
    firstManager: first?.target.id ?? '',
    labels: Object.fromEntries(wanted.map((h) => [h.target.id, wantedLabels(h)])),
    network: ctx.options.network,
    force: ctx.options.force,
    replaceUnreachableManagers: ctx.options.replaceUnreachableManagers,
    allowEven: ctx.options.allowEvenManagers,
  };
}

/** Observes, plans (up or down), and keeps the plan on the context; notes go to the log. */
export async function makePlan(ctx: SwarmContext): Promise<void> {
  const observed = await observedState(ctx);
  const plan =
    ctx.command === 'down'
      ? planDown(observed, { force: ctx.options.force })
      : planUp(observed, desiredState(ctx));
  ctx.plan = plan;
  for (const note of plan.notes) ctx.bus.log('info', note);
}

type StepOf<K extends StepKind> = Extract<PlanStep, { kind: K }>;

/** The plan's steps of these kinds, in plan order. */
export function stepsOf<K extends StepKind>(ctx: SwarmContext, ...kinds: K[]): StepOf<K>[] {
  return (ctx.plan?.steps ?? []).filter((s): s is StepOf<K> => (kinds as StepKind[]).includes(s.kind));
}

/** The set-labels step of one host, if the plan has one. */
export function labelStepOf(ctx: SwarmContext, host: string): StepOf<'set-labels'> | undefined {
  return stepsOf(ctx, 'set-labels').find((s) => s.host === host);
}

/**
 * Runs one step through the change gate with the planner's sentence (a dry run records it only)
 * and notes it on the host's result.
 */
export async function runStep<T>(
  ctx: SwarmContext,
  step: PlanStep,
  action: () => Promise<T>,
): Promise<T | undefined> {
  const id = stepHost(step);
  const sentence = describeStep(step);
  const out = await ctx.change(id, sentence, action);
  const host = id ? ctx.hosts.get(id) : undefined;
  if (host) recordAction(host, sentence, ctx.dryRun);
  return out;
}

/**
 * Sets a host's planned labels right after its own join, while the other joins go on: on 16 hosts
 * a separate labels pass after all joins cost seconds of updates racing the nodes' settling. A
 * failure here is not final: the step stays open and the labels phase tries it again.
 */
export async function labelJoined(ctx: SwarmContext, host: HostRecord): Promise<void> {
  const step = labelStepOf(ctx, host.target.id);
  if (ctx.dryRun || !step || !host.nodeId || !leaderRecord(ctx)?.engine) return;
  try {
    ctx.bus.hostState(host.target.id, 'running', 'labels');
    // Through any manager: the leader may have gone away since the join.
    await runStep(ctx, step, () =>
      viaManager(ctx, 'labels', (via) => applyLabels(ctx, via, host.nodeId!, step)),
    );
    ctx.done.add(step);
  } catch (err) {
    ctx.bus.log('debug', `labels after join: ${toFleetError(err).message}`, host.target.id);
  }
}
