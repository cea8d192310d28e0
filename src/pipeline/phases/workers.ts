/**
 * Phase 5: workers through a bounded sliding pool (p-limit, --concurrency, default 10). Connection
 * failures are retried with backoff — after checking that the engine did not already join, since a
 * dropped channel says nothing about whether the request arrived. One failed worker never stops
 * the others; failures are listed at the end and the run exits "partial". Each worker gets its
 * labels right after its own join (through the leader, outside the pool's bound) instead of in a
 * pass after every join.
 */
import pLimit from 'p-limit';
import { FleetError, toFleetError } from '../../core/errors.js';
import { isConnectionError } from '../../adapters/docker/errors.js';
import type { Phase } from '../phase.js';
import {
  leaderRecord,
  hostDone,
  markFailed,
  usable,
  type HostRecord,
  type SwarmContext,
} from '../../swarm/context.js';
import { advertiseAddr, localNodeId } from '../../swarm/actions.js';
import { labelJoined, runStep, stepsOf } from '../../swarm/plan.js';
import type { PlanStep } from '../../core/swarm-plan.js';

const TITLE = 'workers';

async function joinOnce(
  ctx: SwarmContext,
  host: HostRecord,
  leaderAddrs: string[],
  addr: string,
): Promise<void> {
  const { retries, retryDelayMs } = ctx.options;
  for (let attempt = 0; ; attempt++) {
    try {
      await host.engine!.swarmJoin({
        remoteAddrs: leaderAddrs,
        token: ctx.tokens!.worker,
        advertiseAddr: addr,
      });
      return;
    } catch (err) {
      if (!isConnectionError(err) || attempt >= retries || ctx.signal.aborted) throw err;
      await new Promise((r) => setTimeout(r, retryDelayMs * 2 ** attempt));
      // The request may have reached the engine before the channel dropped.
      const info = await host.engine!.info().catch(() => undefined);
      if (info && info.swarm.localNodeState === 'active') return;
    }
  }
}

async function joinWorker(
  ctx: SwarmContext,
  step: PlanStep,
  host: HostRecord,
  leaderAddrs: string[],
): Promise<void> {
  if (ctx.dryRun) return void (await runStep(ctx, step, async () => undefined));
  const addr = await advertiseAddr(host);
  ctx.bus.hostState(host.target.id, 'running', 'joining as worker');
  await runStep(ctx, step, async () => {
    await joinOnce(ctx, host, leaderAddrs, addr);
    await localNodeId(ctx, host);
  });
  host.membership = 'ours';
  host.currentRole = 'worker';
}

export const workers: Phase<SwarmContext> = {
  title: TITLE,
  shouldRun(ctx) {
    const todo = stepsOf(ctx, 'join-worker').filter((s) => ctx.hosts.get(s.host)?.result.status !== 'failed');
    return todo.length > 0 ? true : 'every worker is already a member';
  },
  async run(ctx) {
    const leader = leaderRecord(ctx);
    if (!ctx.dryRun && !leader?.engine) throw new FleetError('quorum', 'no manager of this swarm answers');
    // Every reachable manager is a join address: a worker can join while one of them is busy.
    const managerAddrs = usable(ctx)
      .filter((h) => h.membership === 'ours' && h.currentRole === 'manager')
      .sort((a) => (a === leader ? -1 : 0))
      .map((h) => `${h.info?.swarm.nodeAddr || h.target.address}:2377`);
    const todo = stepsOf(ctx, 'join-worker').filter((s) => ctx.hosts.get(s.host)?.result.status !== 'failed');
    const limit = pLimit(ctx.options.concurrency);
    await Promise.all(
      todo.map(async (step) => {
        const host = ctx.hosts.get(step.host)!;
        const started = Date.now();
        // The pool bounds the joins only: the labels go through the leader, so a worker's slot is
        // free for the next join while its labels are written.
        const joined = await limit(async () => {
          if (ctx.signal.aborted) {
            host.result.status = 'interrupted';
            return false;
          }
          try {
            await joinWorker(ctx, step, host, managerAddrs);
            return true;
          } catch (err) {
            host.result.durationMs += Date.now() - started;
            markFailed(host, TITLE, toFleetError(err), ctx);
            return false;
          }
        });
        if (!joined) return;
        await labelJoined(ctx, host);
        host.result.durationMs += Date.now() - started;
        hostDone(ctx, host, Date.now() - started);
      }),
    );
    if (ctx.signal.aborted) throw new FleetError('interrupted', 'interrupted while workers were joining');
  },
};
