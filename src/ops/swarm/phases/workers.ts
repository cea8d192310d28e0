/**
 * Phase 5: workers through a bounded sliding pool (forEachHost, --concurrency, default 10). Each join
 * goes through one manager at a time, the leader first (swarm/join.ts): a lost manager strands no
 * worker, and a dropped channel is retried after checking the node did not join already. One
 * failed worker never stops the others; failures are listed at the end and the run exits "partial". Each worker gets its
 * labels right after its own join (through the leader, outside the pool's bound) instead of in a
 * pass after every join.
 */
import { FleetError, toFleetError } from '../../../core/errors.js';
import { forEachHost } from '../../../runtime/for-each-host.js';
import type { Phase } from '../../../runtime/phase.js';
import { leaderRecord, hostDone, markFailed, type HostRecord, type SwarmContext } from '../context.js';
import { advertiseAddr, localNodeId } from '../actions.js';
import { joinThroughManagers } from '../join.js';
import { labelJoined, runStep, stepsOf } from '../plan.js';
import type { PlanStep } from '../../../core/swarm-plan.js';

const TITLE = 'workers';

async function joinWorker(ctx: SwarmContext, step: PlanStep, host: HostRecord): Promise<void> {
  if (ctx.dryRun) return void (await runStep(ctx, step, async () => undefined));
  const addr = await advertiseAddr(host);
  ctx.bus.hostState(host.target.id, 'running', 'joining as worker');
  await runStep(ctx, step, async () => {
    await joinThroughManagers(ctx, host, {
      role: 'worker',
      token: ctx.tokens!.worker,
      advertiseAddr: addr,
      retries: ctx.options.retries,
      retryDelayMs: ctx.options.retryDelayMs,
    });
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
    const todo = stepsOf(ctx, 'join-worker').filter((s) => ctx.hosts.get(s.host)?.result.status !== 'failed');
    // Each host's time counts from the start of the phase (its wait for a slot included), as it did.
    const phaseStart = Date.now();
    ctx.bus.phaseHosts(
      TITLE,
      todo.map((s) => s.host),
    );
    // The pool bounds the joins only: the labels go through the leader, so a worker's slot is
    // free for the next join while its labels are written.
    const labelling: Promise<void>[] = [];
    await forEachHost(todo, { concurrency: ctx.options.concurrency }, async (step) => {
      const host = ctx.hosts.get(step.host)!;
      const started = phaseStart;
      // Never started: the run's end reports it as such.
      if (ctx.signal.aborted) return;
      try {
        await joinWorker(ctx, step, host);
      } catch (err) {
        host.result.durationMs += Date.now() - started;
        markFailed(host, TITLE, toFleetError(err), ctx);
        return;
      }
      const labelled = labelJoined(ctx, host).then(() => {
        host.result.durationMs += Date.now() - started;
        hostDone(ctx, host, Date.now() - started);
      });
      labelled.catch(() => undefined); // awaited below; this only keeps it from counting as unhandled
      labelling.push(labelled);
    });
    await Promise.all(labelling);
    if (ctx.signal.aborted) throw new FleetError('interrupted', 'interrupted while workers were joining');
  },
};
