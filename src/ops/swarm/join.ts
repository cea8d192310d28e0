/**
 * Joining a node through any manager, not just one. Docker's engine uses only the first address of
 * a join request (moby's Cluster.Join dials RemoteAddrs[0]), so a join names one manager: when that
 * manager is lost mid-join the node is stranded in swarm state `pending` or `error` and stays so.
 * fleet therefore joins through one manager at a time, leader first; a join that fails or passes
 * its deadline is checked on the node itself — joined after all (the answer was lost), or stranded
 * (leave, then join through the next reachable manager), or refused (a real error, thrown).
 * Ctrl-C gives a join in flight a short grace period, then abandons it; the node is then either
 * joined or stranded, and the next `up` repairs a stranded node of this cluster (leave, re-join).
 */
import type { Secret } from '../../adapters/docker/types.js';
import { isConnectionError } from '../../adapters/docker/errors.js';
import { FleetError, toFleetError } from '../../core/errors.js';
import { pollUntil, sleep, withDeadline } from '../../core/poll.js';
import type { PlanStep } from '../../core/swarm-plan.js';
import { advertiseAddr, electionWaitMs, localNodeId, managerCandidates, stillAnswers } from './actions.js';
import type { HostRecord, SwarmContext } from './context.js';
import { runStep } from './plan.js';

/** How long a join in flight may still finish after Ctrl-C before it is abandoned. */
export const JOIN_GRACE_MS = 5000;
/** Local swarm states of a join that did not complete. */
const STRANDED = new Set(['pending', 'error']);
/**
 * Docker gives up waiting for a join after 20 s (HTTP 503 "Timeout was reached before node joined")
 * while the join goes on in the background: on a loaded or slow node (a Jetson, 50 joins at once)
 * it usually completes a little later. How long fleet watches it before calling the node stranded.
 */
export const JOIN_BACKGROUND_MS = 60_000;
const JOIN_TIMEOUT_REACHED = /timeout was reached before node joined/i;
/** A manager's answer while the survivors of a lost leader elect a new one (HTTP 500). */
const NO_LEADER = /does not have a leader/i;

/** Aborts with `signal`, but only `graceMs` after it: a step in flight gets that long to finish. */
export function afterGrace(signal: AbortSignal, graceMs: number): AbortSignal {
  const controller = new AbortController();
  const onAbort = (): void => {
    setTimeout(() => controller.abort(signal.reason), graceMs).unref();
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return controller.signal;
}

/** The address a node joins a manager through. */
const joinAddr = (manager: HostRecord): string =>
  `${manager.info?.swarm.nodeAddr || manager.target.address}:2377`;

/**
 * Misses in a row after which the manager a pending join dials counts as lost. One miss can be a
 * busy manager (its Raft store taking 50 joins); two, 5 s each, are a cut link or a stopped engine.
 */
const LOST_AFTER_MISSES = 2;

async function localState(host: HostRecord, ctx: SwarmContext): Promise<string | undefined> {
  try {
    // Part of the join step: it gets the join's grace after Ctrl-C, not an instant abort.
    const signal = afterGrace(ctx.signal, JOIN_GRACE_MS);
    const info = await withDeadline('GET /info', 10_000, signal, (s) => host.engine!.info(s));
    return info.swarm.localNodeState;
  } catch {
    return undefined;
  }
}

/** Leaves a stranded join (force: a half-joined manager may count itself in the Raft group). */
export async function leaveStranded(ctx: SwarmContext, host: HostRecord, why: string): Promise<void> {
  ctx.bus.log('warn', `${why}: leaving the swarm to join again`, host.target.id);
  await host.engine!.swarmLeave(true, afterGrace(ctx.signal, JOIN_GRACE_MS));
}

/**
 * Watches a join Docker stopped waiting for: its local state once it leaves `pending`, else
 * `pending` (stranded). The watch ends early when the manager the join dials is lost (marked failed
 * by this run, or its engine silent twice in a row): the node would otherwise wait out the whole
 * budget for a manager that is gone before it leaves and joins through another one.
 */
async function joinedInBackground(
  ctx: SwarmContext,
  host: HostRecord,
  manager: HostRecord,
  addr: string,
): Promise<string> {
  ctx.bus.log(
    'info',
    `join through ${addr} still running after Docker's 20 s: waiting for it`,
    host.target.id,
  );
  let misses = 0;
  try {
    return await pollUntil(
      `${host.target.id} to finish joining through ${addr}`,
      async (signal) => {
        const state = await localState(host, ctx);
        if (state !== 'pending') return state;
        if (manager.result.status !== 'failed') {
          misses = (await stillAnswers(manager, signal)) ? 0 : misses + 1;
          if (misses < LOST_AFTER_MISSES) return undefined;
        }
        ctx.bus.log(
          'warn',
          `${manager.target.id} does not answer: giving up the join through it`,
          host.target.id,
        );
        return 'pending';
      },
      {
        timeoutMs: JOIN_BACKGROUND_MS,
        signal: ctx.signal,
        host: host.target.id,
        initialDelayMs: 500,
        attemptMs: 20_000,
      },
    );
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    return 'pending';
  }
}

export interface JoinRequest {
  role: 'manager' | 'worker';
  token: Secret;
  advertiseAddr: string;
  /** Retries of a dropped channel to the node's own engine (--retries, --retry-delay). */
  retries: number;
  retryDelayMs: number;
}

/**
 * Joins `host` through the first manager that takes it. Returns the address it joined through.
 * Throws the last failure when no manager did, or `interrupted` after Ctrl-C.
 */
export async function joinThroughManagers(
  ctx: SwarmContext,
  host: HostRecord,
  request: JoinRequest,
): Promise<string> {
  const id = host.target.id;
  // A stranded join from an earlier run (state pending/error) blocks any new join: repair it first.
  // Preflight read every host's state in this run, under the cluster lock: "inactive" there needs no
  // second read (one round trip less per join, on the serial manager path). A host this run changed
  // since (a --force leave) still reads "active" there, so it is read again.
  const seen = host.info?.swarm.localNodeState;
  const before = seen === 'inactive' ? seen : await localState(host, ctx);
  if (before && STRANDED.has(before)) await leaveStranded(ctx, host, `swarm state "${before}"`);
  let lastError: FleetError | undefined;
  let channelRetries = 0;
  const tried = new Set<string>();
  // How long a join waits out an election (Docker's takes ~10 s; a loaded machine takes longer).
  const electionDeadline = Date.now() + electionWaitMs(ctx);
  let electionSaid = false;
  for (;;) {
    // The managers fleet can use right now, the leader first.
    const via = managerCandidates(ctx).find((m) => m !== host && !tried.has(joinAddr(m)));
    if (!via) break;
    const addr = joinAddr(via);
    // The step was recorded as begun: the first attempt goes ahead (with the grace period); only
    // a retry or another manager is given up after Ctrl-C.
    if (ctx.signal.aborted && tried.size + channelRetries > 0) {
      throw new FleetError('interrupted', 'interrupted before the join was retried', { host: id });
    }
    try {
      await host.engine!.swarmJoin(
        { remoteAddrs: [addr], token: request.token, advertiseAddr: request.advertiseAddr },
        afterGrace(ctx.signal, JOIN_GRACE_MS),
      );
      return addr;
    } catch (err) {
      const error = toFleetError(err);
      lastError = error;
      // The answer may be lost while the join itself went through.
      let state = await localState(host, ctx);
      if (state === 'pending' && JOIN_TIMEOUT_REACHED.test(error.message) && !ctx.signal.aborted) {
        state = await joinedInBackground(ctx, host, via, addr);
      }
      if (state === 'active') return addr;
      if (ctx.signal.aborted) {
        throw new FleetError('interrupted', `join through ${addr} abandoned (Ctrl-C)`, { host: id });
      }
      if (state === undefined && isConnectionError(error) && channelRetries < request.retries) {
        // The channel to this node's own engine dropped: the same manager again after a pause.
        await sleep(request.retryDelayMs * 2 ** channelRetries++, ctx.signal);
        continue;
      }
      if (state === 'inactive' && NO_LEADER.test(error.message) && Date.now() < electionDeadline) {
        // The leader was lost and the survivors are electing another: the same manager, shortly.
        if (!electionSaid) ctx.bus.log('info', `${addr}: the swarm is electing a leader; waiting`, id);
        electionSaid = true;
        await sleep(1000, ctx.signal);
        continue;
      }
      tried.add(addr);
      if (state && STRANDED.has(state)) {
        await leaveStranded(ctx, host, `join through ${addr} did not complete (state "${state}")`);
        continue;
      }
      // Refused outright (bad token, already in a swarm): another manager would say the same.
      if (!isConnectionError(error) && !/timeout|deadline|unavailable|connection/i.test(error.message)) {
        throw error;
      }
    }
  }
  throw (
    lastError ?? new FleetError('quorum', `no manager of this swarm answers to let ${id} join`, { host: id })
  );
}

/**
 * The join step of a manager or a worker (phases/managers.ts, phases/workers.ts): recorded through
 * runStep, joined through the managers one at a time, then `afterJoin` (a manager waits to be
 * Reachable) inside the same step. A dry run only records the step.
 */
export async function joinStep(
  ctx: SwarmContext,
  step: PlanStep,
  host: HostRecord,
  role: 'manager' | 'worker',
  afterJoin?: () => Promise<void>,
): Promise<void> {
  if (ctx.dryRun) return void (await runStep(ctx, step, async () => undefined));
  const addr = await advertiseAddr(host);
  ctx.bus.hostState(host.target.id, 'running', `joining as ${role}`);
  await runStep(ctx, step, async () => {
    await joinThroughManagers(ctx, host, {
      role,
      token: ctx.tokens![role],
      advertiseAddr: addr,
      retries: ctx.options.retries,
      retryDelayMs: ctx.options.retryDelayMs,
    });
    await localNodeId(ctx, host);
    await afterJoin?.();
  });
  host.membership = 'ours';
  host.currentRole = role;
}
