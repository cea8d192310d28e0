/**
 * `fleet down`: the steps of planDown (core/swarm-plan-down.ts) — workers leave first (in parallel),
 * then managers one at a time, each demoted through another manager before it leaves so quorum holds
 * at every step, the leader last (its leave ends the swarm). In a partial down the entries of the
 * hosts that left are removed afterwards and the rest of the swarm lives on. Hosts in a foreign swarm
 * are left alone unless --force.
 */
import { FleetError, toFleetError } from '../../../core/errors.js';
import type { PlanStep } from '../../../core/swarm-plan.js';
import { forEachHost } from '../../../runtime/for-each-host.js';
import type { Phase } from '../../../runtime/phase.js';
import { createDockerEngine } from '../../../adapters/docker/engine.js';
import {
  hostDone,
  leaderRecord,
  markFailed,
  newResult,
  type HostRecord,
  type SwarmContext,
} from '../context.js';
import { pollUntil, setRoleViaManagers } from '../actions.js';
import { refreshCluster } from '../observe.js';
import { runStep, stepsOf } from '../plan.js';

type Leave = Extract<PlanStep, { kind: 'leave' }>;
/** A manager outside the selection, reached for node-entry removal only (see entryRemover). */
interface Spare {
  host?: HostRecord;
}

function afterLeave(ctx: SwarmContext, host: HostRecord): void {
  if (ctx.dryRun) return;
  host.membership = 'none';
  host.currentRole = undefined;
}

async function leave(ctx: SwarmContext, step: Leave, phase: string): Promise<void> {
  const host = ctx.hosts.get(step.host)!;
  if (host.result.status === 'failed') return;
  try {
    ctx.bus.hostState(host.target.id, 'running', 'leaving');
    await runStep(ctx, step, () => host.engine!.swarmLeave(step.force, ctx.signal));
    afterLeave(ctx, host);
    hostDone(ctx, host, 0);
  } catch (err) {
    markFailed(host, phase, toFleetError(err), ctx);
    // A manager that cannot leave stops the teardown: the next steps assumed it was gone.
    if (step.stage === 'managers') throw err;
  }
}

/** A demoted engine reports it (no control plane) a moment after the leader agreed: wait for that. */
async function waitWorker(ctx: SwarmContext, host: HostRecord): Promise<void> {
  await pollUntil(
    ctx,
    `${host.target.id} to be demoted`,
    () => host.engine!.info(),
    (info) => !info.swarm.controlAvailable,
    ctx.options.settleTimeoutMs,
    200,
  );
}

export const leaveWorkers: Phase<SwarmContext> = {
  title: 'leave workers',
  shouldRun(ctx) {
    return stepsOf(ctx, 'leave').some((s) => s.stage === 'workers')
      ? true
      : 'no worker of this swarm selected';
  },
  async run(ctx) {
    const steps = stepsOf(ctx, 'leave').filter((s) => s.stage === 'workers');
    ctx.bus.phaseHosts(
      'leave workers',
      steps.map((s) => s.host),
    );
    await forEachHost(steps, { concurrency: ctx.options.concurrency }, (step) =>
      ctx.signal.aborted ? Promise.resolve(undefined) : leave(ctx, step, 'leave workers'),
    );
    if (ctx.signal.aborted) throw new FleetError('interrupted', 'interrupted while workers were leaving');
  },
};

export const leaveManagers: Phase<SwarmContext> = {
  title: 'leave managers',
  shouldRun(ctx) {
    return stepsOf(ctx, 'leave', 'demote', 'remove-node').some((s) => s.stage !== 'workers')
      ? true
      : 'no manager of this swarm selected';
  },
  async run(ctx) {
    if (!ctx.dryRun) await refreshCluster(ctx);
    const spare: Spare = {};
    try {
      await runManagerSteps(ctx, spare);
    } finally {
      spare.host?.engine?.close();
    }
  },
};

async function runManagerSteps(ctx: SwarmContext, spare: Spare): Promise<void> {
  for (const step of ctx.plan?.steps ?? []) {
    if (ctx.signal.aborted) throw new FleetError('interrupted', 'interrupted while managers were leaving');
    if (step.kind === 'leave' && step.stage === 'managers') {
      await leave(ctx, step, 'leave managers');
    } else if (step.kind === 'demote') {
      const host = step.host ? ctx.hosts.get(step.host) : undefined;
      await runStep(ctx, step, async () => {
        const via = await setRoleViaManagers(ctx, step.nodeId, 'worker', host);
        if (host && ctx.cluster?.leader === host.target.id) ctx.cluster.leader = via.target.id;
        if (host?.engine) await waitWorker(ctx, host);
      });
      if (host && !ctx.dryRun) host.currentRole = 'worker';
    } else if (step.kind === 'remove-node') {
      // The entry stays "down" in the node list after a leave; drop it so the list stays truthful.
      await runStep(ctx, step, async () => {
        const via = await entryRemover(ctx, spare);
        if (!via?.engine) throw new FleetError('quorum', 'no manager of this swarm answers');
        await via.engine.removeNode(step.nodeId, true, ctx.signal);
      }).catch((err: unknown) =>
        ctx.bus.log(
          'warn',
          `its node entry stays (Down): ${toFleetError(err).message}; run \`docker node rm ${step.nodeId.slice(0, 12)}\` on a manager`,
          step.host,
        ),
      );
    }
  }
}

/**
 * A manager to remove node entries through: a selected one still in the swarm (the leader first),
 * else — a partial down whose selected managers all left — a manager outside the selection, reached
 * over SSH once, never changed.
 */
async function entryRemover(ctx: SwarmContext, spare: Spare): Promise<HostRecord | undefined> {
  const leader = leaderRecord(ctx);
  const selected = [leader, ...ctx.hosts.values()].find(
    (h) => h?.engine && h.membership === 'ours' && h.currentRole === 'manager',
  );
  if (selected) return selected;
  if (spare.host) return spare.host;
  const managerIps = new Set(
    (ctx.cluster?.nodes ?? [])
      .filter((n) => n.role === 'manager' && n.manager?.reachability === 'reachable')
      .map((n) => (n.manager?.addr ?? '').replace(/:\d+$/, '')),
  );
  for (const target of ctx.spares ?? []) {
    if (!managerIps.has(target.address)) continue;
    try {
      const conn = await ctx.pool.connect(target, ctx.signal);
      const engine = await createDockerEngine(conn, {
        signal: ctx.signal,
        sudoPassword: ctx.options.sudoPassword,
      });
      spare.host = { target, conn, engine, membership: 'ours', currentRole: 'manager', result: newResult() };
      return spare.host;
    } catch (err) {
      ctx.bus.log('debug', `cannot reach it to remove node entries: ${toFleetError(err).message}`, target.id);
    }
  }
  return undefined;
}
