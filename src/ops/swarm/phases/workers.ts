/**
 * Phase 5: workers through a bounded sliding pool (forEachHost, --concurrency, default 10). Each join
 * goes through one manager at a time, the leader first (swarm/join.ts): a lost manager strands no
 * worker, and a dropped channel is retried after checking the node did not join already. One
 * failed worker never stops the others; failures are listed at the end and the run exits "partial".
 * Each worker gets its labels right after its own join (through the leader, outside the pool's
 * bound) instead of in a pass after every join.
 *
 * Workers do not vote in Raft, so their joins need not wait for every manager join: the managers
 * phase starts this pool early (startWorkersEarly) once the swarm can lose a manager and keep quorum
 * (core/quorum.ts workersMayJoin). Until then a worker join in flight could be stranded
 * with no manager left to redo it through (issue 8 point 2). Once every manager join is done the
 * early pool widens to --concurrency. A manager join that fails stops it: no new worker join starts,
 * those in flight finish; this phase then joins whatever the early pool did not start (when the run
 * goes on with fewer managers) and waits for the rest.
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
/** Worker joins at once while manager joins still run (startWorkersEarly). */
const EARLY_CONCURRENCY = 2;

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

type WorkerJoin = Extract<PlanStep, { kind: 'join-worker' }>;

/** Planned worker joins not yet done, failed or taken by the early pool. */
function todoOf(ctx: SwarmContext): WorkerJoin[] {
  return stepsOf(ctx, 'join-worker').filter((s) => {
    const status = ctx.hosts.get(s.host)?.result.status;
    return status !== 'failed' && !ctx.earlyWorkers?.started.has(s.host);
  });
}

/**
 * Joins `todo` through the pool. A host whose turn comes after Ctrl-C or `stopped()` is not started
 * (the run's end reports it so); joins in flight finish.
 */
async function joinAll(
  ctx: SwarmContext,
  todo: WorkerJoin[],
  stopped: () => boolean,
  started?: Set<string>,
  concurrency = ctx.options.concurrency,
  resize?: (setConcurrency: (n: number) => void) => void,
): Promise<void> {
  // Each host's time counts from the start of the pool (its wait for a slot included), as it did.
  const poolStart = Date.now();
  // The pool bounds the joins only: the labels go through the leader, so a worker's slot is
  // free for the next join while its labels are written.
  const labelling: Promise<void>[] = [];
  await forEachHost(todo, { concurrency, resize }, async (step) => {
    const host = ctx.hosts.get(step.host)!;
    if (ctx.signal.aborted || stopped()) return;
    started?.add(step.host);
    try {
      await joinWorker(ctx, step, host);
    } catch (err) {
      host.result.durationMs += Date.now() - poolStart;
      markFailed(host, TITLE, toFleetError(err), ctx);
      return;
    }
    const labelled = labelJoined(ctx, host).then(() => {
      host.result.durationMs += Date.now() - poolStart;
      hostDone(ctx, host, Date.now() - poolStart);
    });
    labelled.catch(() => undefined); // awaited below; this only keeps it from counting as unhandled
    labelling.push(labelled);
  });
  await Promise.all(labelling);
}

/**
 * Starts the worker joins now, alongside the manager joins still to come (the managers phase calls
 * it once workersMayJoin says so). Nothing to start in a dry run (the steps are recorded in plan
 * order), without tokens or a leader, or when it already started.
 */
export function startWorkersEarly(ctx: SwarmContext): void {
  if (ctx.earlyWorkers || ctx.dryRun || !ctx.tokens || !leaderRecord(ctx)?.engine) return;
  const todo = todoOf(ctx);
  if (todo.length === 0) return;
  let stopped = false;
  const started = new Set<string>();
  ctx.bus.log(
    'info',
    `${todo.length} worker${todo.length === 1 ? '' : 's'} join alongside the remaining manager joins (the swarm can lose a manager and keep quorum)`,
  );
  // Few at a time while manager joins still run: each join costs the leader a certificate and a Raft
  // write, and on a loaded 2-core lab 11 at once next to a manager join slowed the leader past the
  // 10 s per-request deadline (the managers were then taken for lost). Once the manager joins are
  // done the managers phase widens this pool to --concurrency (the queued joins start at once, with
  // no wait for the ones in flight), or stops it (a manager join failed, Ctrl-C, demotions to come).
  const early = Math.min(ctx.options.concurrency, EARLY_CONCURRENCY);
  let setConcurrency = (n: number): void => void n;
  const done = joinAll(
    ctx,
    todo,
    () => stopped,
    started,
    early,
    (set) => (setConcurrency = set),
  ).catch((err: unknown) => {
    ctx.bus.log('debug', `early worker joins: ${toFleetError(err).message}`);
  });
  ctx.earlyWorkers = {
    done,
    started,
    stop: () => void (stopped = true),
    widen: () => {
      if (!stopped) setConcurrency(ctx.options.concurrency);
    },
  };
}

export const workers: Phase<SwarmContext> = {
  title: TITLE,
  shouldRun(ctx) {
    if (ctx.earlyWorkers) return true;
    return todoOf(ctx).length > 0 ? true : 'every worker is already a member';
  },
  async run(ctx) {
    // This phase's hosts: every planned worker not done yet, the early pool's included.
    const open = stepsOf(ctx, 'join-worker')
      .map((s) => ctx.hosts.get(s.host)!)
      .filter((h) => !h.result.reported && h.result.status !== 'failed');
    ctx.bus.phaseHosts(
      TITLE,
      open.map((h) => h.target.id),
    );
    await ctx.earlyWorkers?.done;
    // What the early pool did not start (it was stopped by a failed manager join, and the run went on).
    const rest = todoOf(ctx);
    if (rest.length > 0 && !ctx.signal.aborted) {
      if (!ctx.dryRun && !leaderRecord(ctx)?.engine)
        throw new FleetError('quorum', 'no manager of this swarm answers');
      await joinAll(ctx, rest, () => false);
    }
    if (ctx.signal.aborted) throw new FleetError('interrupted', 'interrupted while workers were joining');
  },
};
