/**
 * Preflight's answer to a swarm without a leader. core/swarm-plan-recover decides from what preflight
 * observed: when the only live manager is an inventory host and every other Raft member's own engine
 * says it is no longer part of the swarm (a manager join cut after the leader committed it), no
 * leader can ever be elected, and `fleet up` recovers it at once with `init --force-new-cluster` on
 * the survivor, through the change gate (so `fleet plan` / `up --dry-run` show the step and why) and
 * under the cluster lock the run already holds; the normal plan (stale entries removed, managers
 * joined) follows. In every other case it waits for raft as before and then refuses (exit 5),
 * naming the host in the way and what to do.
 */
import { FleetError, toFleetError } from '../../core/errors.js';
import { decideLeaderlessRepair, type PlanStep } from '../../core/swarm-plan.js';
import { advertiseAddr, pollUntil } from './actions.js';
import type { SwarmContext } from './context.js';
import { waitForLeader } from './observe.js';
import { observedHost, runStep } from './plan.js';

/** How long the survivor's engine may take to answer the forced init (it restarts its raft node). */
export const FORCE_NEW_CLUSTER_WAIT_MS = 60_000;

type RecoverStep = Extract<PlanStep, { kind: 'force-new-cluster' }>;

/**
 * Waits for a leader, recovers a swarm whose other members are ghosts, or throws 'quorum'.
 * Returns the recovery step when one was executed (or, in a dry run, planned); the caller puts it at
 * the head of the plan. In a dry run nothing after it can be planned: the swarm stays unreadable.
 */
export async function settleLeaderless(ctx: SwarmContext): Promise<RecoverStep | undefined> {
  if (ctx.command !== 'up') {
    await waitForLeader(ctx);
    return undefined;
  }
  const verdict = decideLeaderlessRepair([...ctx.hosts.values()].map(observedHost));
  if (verdict.kind === 'none') return undefined;
  if (verdict.kind === 'blocked') {
    ctx.bus.log('debug', `leaderless swarm not recovered automatically: ${verdict.why}`, verdict.host);
    await waitForLeader(ctx, verdict);
    return undefined;
  }
  const step = verdict.step;
  const survivor = ctx.hosts.get(step.host)!;
  ctx.bus.log('warn', `swarm has no leader and cannot elect one: ${step.reason}`, step.host);
  // The address it advertises now: the recovered swarm keeps the same manager address.
  const addr =
    survivor.info?.swarm.nodeAddr || (ctx.dryRun ? survivor.target.address : await advertiseAddr(survivor));
  ctx.bus.hostState(step.host, 'running', 'recovering the swarm (init --force-new-cluster)');
  await runStep(ctx, step, () => survivor.engine!.initForceNewCluster(addr, FORCE_NEW_CLUSTER_WAIT_MS));
  if (ctx.dryRun) return step;
  try {
    // A leader within a second or two: the info then carries the cluster again (classify reads it).
    await pollUntil(
      ctx,
      `${step.host} to lead the recovered swarm`,
      (signal) => survivor.engine!.info(signal),
      (info) => Boolean(info.swarm.clusterId),
      ctx.options.settleTimeoutMs,
    ).then((info) => {
      survivor.info = { ...info, apiVersion: survivor.engine!.apiVersion };
    });
  } catch (err) {
    const error = toFleetError(err);
    if (error.code === 'interrupted') throw error;
    throw new FleetError('quorum', `the swarm recovered on ${step.host} has no leader: ${error.message}`, {
      host: step.host,
      hint: `see \`docker info\` and the Docker log on ${step.host}, then run fleet up again`,
    });
  }
  ctx.bus.log('info', `swarm recovered: ${step.host} leads it again`, step.host);
  return step;
}
