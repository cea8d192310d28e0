/**
 * Phase 4: the plan's manager steps, one at a time — promotions and joins first, each followed by
 * polling the leader (every 100 ms, no fixed sleeps) until the node is a Reachable manager and quorum
 * holds; then demotions, each re-checked against the live quorum. The planner ordered them so quorum
 * holds at every step. A joined manager's labels are written while the next one joins (and those of
 * the manager that initialised the swarm while the first one joins). Once the swarm can lose a manager
 * and keep quorum (core/quorum.ts workersMayJoin: three managers in), the worker joins start
 * alongside the manager joins still to come (phases/workers.ts startWorkersEarly), two at a time,
 * and at --concurrency once the manager joins are done; a manager join that fails, or Ctrl-C, stops
 * them from starting more, and this phase lets those in flight finish before it ends.
 */
import { FleetError, toFleetError } from '../../../core/errors.js';
import type { PlanStep } from '../../../core/swarm-plan.js';
import type { Phase } from '../../../runtime/phase.js';
import { leaderRecord, hostDone, markFailed, type HostRecord, type SwarmContext } from '../context.js';
import { pollUntil, probePorts, quorumOf, setRoleViaManagers, viaManager } from '../actions.js';
import { joinStep } from '../join.js';
import { refreshCluster } from '../observe.js';
import { labelJoined, labelStepOf, runStep, stepsOf } from '../plan.js';
import { quorumSize, workersMayJoin } from '../../../core/quorum.js';
import { startWorkersEarly } from './workers.js';
import { portsSeenOpen } from '../port-preflight.js';

const TITLE = 'managers';
/** The join is on the critical path: ask the leader often. */
const POLL_MS = 100;

function leaderOrThrow(ctx: SwarmContext): HostRecord {
  const leader = leaderRecord(ctx);
  if (!leader?.engine) throw new FleetError('quorum', 'no manager of this swarm answers');
  return leader;
}

function leaderAddr(leader: HostRecord): string {
  return leader.info?.swarm.nodeAddr || leader.target.address;
}

async function waitReachable(ctx: SwarmContext, host: HostRecord): Promise<void> {
  const nodes = await pollUntil(
    ctx,
    `${host.target.id} to become a reachable manager`,
    // Through any manager: the leader may be the one that just went away.
    () => viaManager(ctx, TITLE, (via, signal) => via.engine!.listNodes(signal)),
    (nodes) => {
      const node = nodes.find((n) => n.id === host.nodeId);
      return node?.manager?.reachability === 'reachable' && quorumOf(nodes).ok;
    },
    ctx.options.settleTimeoutMs,
    POLL_MS,
  );
  // The freshest list: whether the worker joins may start is read from it (startWorkersIfSafe).
  if (ctx.cluster) ctx.cluster.nodes = nodes;
}

/** Starts the worker joins once the swarm's managers can lose one and keep quorum. */
function startWorkersIfSafe(ctx: SwarmContext): void {
  if (ctx.earlyWorkers || ctx.dryRun || !ctx.cluster) return;
  const q = quorumOf(ctx.cluster.nodes);
  if (workersMayJoin(q.managers, q.reachable)) startWorkersEarly(ctx);
}

/**
 * Every joining manager checks, all at once before the first join, that it reaches the leader on
 * 2377 and 7946: a closed port then fails that host up front instead of halfway through the joins.
 * A host whose connects to the leader's address preflight's port check already saw succeed is not
 * asked again.
 */
async function probeAll(ctx: SwarmContext, hosts: HostRecord[]): Promise<Map<HostRecord, FleetError>> {
  const leader = leaderOrThrow(ctx);
  const addr = leaderAddr(leader);
  const failures = new Map<HostRecord, FleetError>();
  const ports = [2377, 7946];
  await Promise.all(
    hosts.map(async (host) => {
      if (portsSeenOpen(ctx, host, addr, ports)) return;
      const closed = await probePorts(host, addr, ports).catch(() => undefined);
      if (closed === undefined)
        ctx.bus.log('debug', 'no nc or bash: swarm ports not checked', host.target.id);
      else if (closed.length > 0) {
        const hint = 'open TCP 2377 and 7946 (and UDP 7946, 4789) between managers';
        const message = `cannot reach ${leader.target.id} (${addr}) on port ${closed.join(', ')}`;
        failures.set(host, new FleetError('connect', message, { host: host.target.id, hint }));
      }
    }),
  );
  return failures;
}

async function joinManager(ctx: SwarmContext, step: PlanStep, host: HostRecord): Promise<void> {
  // A dry run may have no swarm (and so no leader) to name: the gate only records the sentence.
  if (!ctx.dryRun) leaderOrThrow(ctx);
  // Leader first, then the other managers: a lost manager never strands the join.
  await joinStep(ctx, step, host, 'manager', () => waitReachable(ctx, host));
}

async function promote(ctx: SwarmContext, step: Extract<PlanStep, { kind: 'promote' }>, host: HostRecord) {
  ctx.bus.hostState(host.target.id, 'running', 'promoting');
  await runStep(ctx, step, async () => {
    await setRoleViaManagers(ctx, step.nodeId, 'manager');
    await waitReachable(ctx, host);
  });
  host.currentRole = 'manager';
}

async function demote(ctx: SwarmContext, step: Extract<PlanStep, { kind: 'demote' }>, host: HostRecord) {
  if (!ctx.dryRun) {
    // The plan checked quorum against what preflight saw; a manager may have gone away since.
    const q = quorumOf((await refreshCluster(ctx))?.nodes ?? []);
    const after = { managers: q.managers - 1, reachable: q.reachable - 1 };
    if (after.managers < 1 || after.reachable < quorumSize(after.managers)) {
      throw new FleetError(
        'quorum',
        `demoting ${host.target.id} would leave ${after.reachable} of ${after.managers} managers reachable; quorum needs ${quorumSize(after.managers)}`,
        { host: host.target.id, hint: 'bring the unreachable managers back first' },
      );
    }
  }
  ctx.bus.hostState(host.target.id, 'running', 'demoting');
  await runStep(ctx, step, async () => {
    const via = await setRoleViaManagers(ctx, step.nodeId, 'worker', host);
    if (ctx.cluster?.leader === host.target.id) ctx.cluster.leader = via.target.id;
    await refreshCluster(ctx);
  });
  host.currentRole = 'worker';
}

/** A manager failed: ask (a TTY, or whatever the front end offers), continue with --yes, otherwise stop. */
async function continueWithFewer(ctx: SwarmContext, host: HostRecord, error: FleetError): Promise<void> {
  const id = host.target.id;
  if (ctx.options.yes) {
    ctx.bus.log('warn', `failed to join as manager; continuing with fewer managers (--yes)`, id);
    return;
  }
  if (ctx.ask.canAsk('fewer-managers')) {
    const yes = await ctx.ask.confirm({
      id: 'fewer-managers',
      question: `${id} failed to join as manager: ${error.message}\ncontinue with fewer managers? [y/N] `,
    });
    if (yes) return;
  }
  throw new FleetError(error.code, `manager ${id} failed to join: ${error.message}`, {
    host: id,
    hint: 'fix the host and run fleet up again (it continues from here), or pass --yes to go on with fewer managers',
  });
}

export const managers: Phase<SwarmContext> = {
  title: TITLE,
  shouldRun(ctx) {
    return stepsOf(ctx, 'promote', 'join-manager').length > 0 ||
      stepsOf(ctx, 'demote').some((s) => s.stage === 'demote')
      ? true
      : 'every manager is in place';
  },
  async run(ctx) {
    const joins = stepsOf(ctx, 'promote', 'join-manager');
    const joining = joins
      .filter((s) => s.kind === 'join-manager')
      .map((s) => ctx.hosts.get(s.host)!)
      .filter((h) => h.result.status !== 'failed');
    ctx.bus.phaseHosts(
      TITLE,
      joins.map((s) => s.host).filter((id) => ctx.hosts.get(id)?.result.status !== 'failed'),
    );
    try {
      await joinManagers(ctx, joins, joining);
    } catch (err) {
      // No new worker join starts; those in flight finish before the run reports.
      ctx.earlyWorkers?.stop();
      await ctx.earlyWorkers?.done;
      throw err;
    }
  },
};

/** Labels of the manager `swarm init` made this run (labelJoined: never rejects; what fails is left open). */
async function labelInitialised(ctx: SwarmContext): Promise<void> {
  const host = ctx.hosts.get(stepsOf(ctx, 'init')[0]?.host ?? '');
  if (!host?.nodeId || host.result.status === 'failed') return;
  await labelJoined(ctx, host);
  const step = labelStepOf(ctx, host.target.id);
  if (step && ctx.done.has(step)) ctx.bus.hostState(host.target.id, 'waiting', 'labels set');
}

async function joinManagers(
  ctx: SwarmContext,
  joins: ReturnType<typeof stepsOf<'promote' | 'join-manager'>>,
  joining: HostRecord[],
): Promise<void> {
  const closed = ctx.dryRun ? new Map<HostRecord, FleetError>() : await probeAll(ctx, joining);
  startWorkersIfSafe(ctx);
  // After a failed manager join no worker join starts here (the workers phase joins them if the run
  // goes on with fewer managers).
  let failed = false;
  // A joined manager's labels are written while the next manager joins, as a worker's are: the
  // update is one more write through the leader, and the next join's safety does not depend on it
  // (quorum is read from the node list, waitReachable). All are written before the phase ends. The
  // manager that initialised the swarm this run gets its labels alongside the first join, instead
  // of alone in the labels phase after every join.
  const labelling: Promise<void>[] = [labelInitialised(ctx)];
  try {
    for (const step of joins) {
      if (ctx.signal.aborted) throw new FleetError('interrupted', 'interrupted between manager joins');
      const host = ctx.hosts.get(step.host)!;
      if (host.result.status === 'failed') continue;
      const started = Date.now();
      try {
        const portError = closed.get(host);
        if (portError) throw portError;
        if (step.kind === 'promote') await promote(ctx, step, host);
        else await joinManager(ctx, step, host);
        if (!failed) startWorkersIfSafe(ctx);
      } catch (err) {
        host.result.durationMs += Date.now() - started;
        const error = toFleetError(err);
        markFailed(host, TITLE, error, ctx);
        failed = true;
        ctx.earlyWorkers?.stop();
        if (error.code === 'interrupted') throw error;
        await continueWithFewer(ctx, host, error);
        continue;
      }
      // labelJoined never rejects (a failed label stays open for the labels phase).
      labelling.push(
        labelJoined(ctx, host).then(() => {
          host.result.durationMs += Date.now() - started;
          hostDone(ctx, host, Date.now() - started);
        }),
      );
    }
  } catch (err) {
    await Promise.all(labelling);
    throw err;
  }
  // The manager joins are done: the early worker joins widen to --concurrency at once, not after the
  // last manager's labels (a write through the leader the joins do not depend on). Demotions change
  // the managers the joins go through: then the pool stops and the workers phase joins the rest after.
  const demotions = stepsOf(ctx, 'demote').filter((s) => s.stage === 'demote' && s.host);
  if (demotions.length > 0) ctx.earlyWorkers?.stop();
  else ctx.earlyWorkers?.widen();
  await Promise.all(labelling);
  for (const step of stepsOf(ctx, 'demote')) {
    if (step.stage !== 'demote' || !step.host) continue;
    if (ctx.signal.aborted) throw new FleetError('interrupted', 'interrupted between demotions');
    await demote(ctx, step, ctx.hosts.get(step.host)!);
  }
}
