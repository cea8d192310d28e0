/**
 * Phase 2: the plan's steps before anyone joins — hosts leaving a foreign swarm (--force), stale node
 * entries demoted and removed — then `swarm init` on the first manager (advertising its inventory
 * address, marked `fleet.cluster=<name>` so later runs recognise it), or nothing when this cluster's
 * swarm exists.
 */
import { FleetError, toFleetError } from '../../../core/errors.js';
import type { PlanStep } from '../../../core/swarm-plan.js';
import type { Phase } from '../../../runtime/phase.js';
import { leaderRecord, markFailed, type HostRecord, type SwarmContext } from '../context.js';
import { advertiseAddr, demoteEntry, localNodeId } from '../actions.js';
import { CLUSTER_LABEL, refreshCluster } from '../observe.js';
import { runStep, stepsOf } from '../plan.js';

const TITLE = 'init';

function leaderEngine(ctx: SwarmContext): HostRecord {
  const leader = leaderRecord(ctx);
  if (!leader?.engine) throw new FleetError('quorum', 'no manager of this swarm answers');
  return leader;
}

async function leave(ctx: SwarmContext, step: Extract<PlanStep, { kind: 'leave' }>): Promise<void> {
  const host = ctx.hosts.get(step.host)!;
  try {
    await runStep(ctx, step, () => host.engine!.swarmLeave(step.force, ctx.signal));
    if (!ctx.dryRun) host.membership = 'none';
  } catch (err) {
    markFailed(host, TITLE, toFleetError(err), ctx);
  }
}

async function initSwarm(ctx: SwarmContext, step: Extract<PlanStep, { kind: 'init' }>): Promise<void> {
  const first = ctx.hosts.get(step.host)!;
  if (first.result.status === 'failed') {
    throw new FleetError('quorum', `${step.host} cannot start the swarm: ${first.result.error?.message}`, {
      host: step.host,
      hint: 'fix that host, or pin role: manager on another reachable host',
    });
  }
  const addr = ctx.dryRun ? first.target.address : await advertiseAddr(first);
  ctx.bus.hostState(step.host, 'running', `swarm init (advertise ${addr})`);
  await runStep(ctx, step, () =>
    first.engine!.swarmInit(
      { advertiseAddr: addr, labels: { [CLUSTER_LABEL]: ctx.options.clusterName } },
      ctx.signal,
    ),
  );
  first.membership = 'ours';
  first.currentRole = 'manager';
  if (ctx.dryRun) return;
  await localNodeId(ctx, first);
  ctx.cluster = { id: first.info!.swarm.clusterId, leader: step.host, nodes: [] };
  await refreshCluster(ctx);
  ctx.bus.hostState(step.host, 'waiting', 'swarm initialised');
  ctx.bus.log('info', `swarm ${ctx.cluster.id.slice(0, 12)} initialised`, step.host);
}

export const init: Phase<SwarmContext> = {
  title: TITLE,
  shouldRun(ctx) {
    if (stepsOf(ctx, 'leave', 'demote', 'remove-node', 'init').some((s) => s.stage !== 'demote')) return true;
    const reuse = stepsOf(ctx, 'reuse')[0];
    return reuse
      ? `swarm ${reuse.clusterId.slice(0, 12)} exists (${reuse.reachable}/${reuse.managers} managers reachable)`
      : 'nothing to set up';
  },
  async run(ctx) {
    for (const step of ctx.plan?.steps ?? []) {
      if (ctx.signal.aborted) throw new FleetError('interrupted', 'interrupted before the swarm was set up');
      if (step.kind === 'leave' && step.stage === 'leave') await leave(ctx, step);
      else if (step.kind === 'demote' && step.stage === 'cleanup') {
        const leader = leaderEngine(ctx);
        await runStep(ctx, step, async () => {
          const done = await demoteEntry(leader, step.nodeId, ctx.signal);
          if (done === 'no-seat')
            ctx.bus.log('info', `${step.hostname || step.nodeId.slice(0, 12)}: no Raft seat to give up`);
        });
      } else if (step.kind === 'remove-node') {
        const leader = leaderEngine(ctx);
        await runStep(ctx, step, () => leader.engine!.removeNode(step.nodeId, true, ctx.signal));
      } else if (step.kind === 'init') await initSwarm(ctx, step);
    }
  },
};
