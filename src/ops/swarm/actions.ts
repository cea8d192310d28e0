/** Small host actions several phases share: advertise address, read the node id, probe ports, poll. */
import { isIP } from 'node:net';
import { FleetError, toFleetError } from '../../core/errors.js';
import { quorumSize } from '../../core/quorum.js';
import { isReachableManager } from '../../core/swarm-plan-membership.js';
import type { SwarmNode } from '../../adapters/docker/types.js';
import { dockerStatus, isConnectionError } from '../../adapters/docker/errors.js';
import { pollUntil as pollShared, sleep, withDeadline } from '../../core/poll.js';
import { leaderRecord, markFailed, type HostRecord, type SwarmContext } from './context.js';

/** Docker wants an IP (or interface) to advertise; a DNS name in nodes.yml is replaced by the SSH server address. */
export async function advertiseAddr(host: HostRecord): Promise<string> {
  if (isIP(host.target.address)) return host.target.address;
  const res = await host.conn!.exec('echo "$SSH_CONNECTION"', { timeoutMs: 10_000 });
  const ip = res.stdout.toString('utf8').trim().split(/\s+/)[2];
  if (!ip || !isIP(ip)) {
    throw new FleetError('docker', `cannot find an IP address to advertise for ${host.target.address}`, {
      host: host.target.id,
      hint: 'put the IP address in nodes.yml (ip: …)',
    });
  }
  return ip;
}

/** The node id the engine itself reports (after a join). */
export async function localNodeId(ctx: SwarmContext, host: HostRecord): Promise<string> {
  const info = await host.engine!.info(ctx.signal);
  host.info = { ...info, apiVersion: host.engine!.apiVersion };
  host.nodeId = info.swarm.nodeId;
  return info.swarm.nodeId;
}

/**
 * Checks from `from` that `to` answers on the swarm ports (2377 raft/API, 7946 gossip), with nc or
 * bash's /dev/tcp, whichever the host has. Returns the closed ports, or undefined when it cannot tell.
 */
export async function probePorts(
  from: HostRecord,
  to: string,
  ports: number[],
): Promise<number[] | undefined> {
  const script = [
    'p() { if command -v nc >/dev/null 2>&1; then nc -z -w 3 "$1" "$2";',
    'elif command -v bash >/dev/null 2>&1; then timeout 3 bash -c "exec 3<>/dev/tcp/$1/$2";',
    'else exit 99; fi; }',
    ...ports.map((p) => `p ${to} ${p} >/dev/null 2>&1 || echo ${p}`),
  ].join(' ');
  const res = await from.conn!.exec(script, { timeoutMs: 15_000 });
  if (res.exitCode === 99) return undefined;
  return res.stdout.toString('utf8').split(/\s+/).filter(Boolean).map(Number);
}

/** Manager count, reachable managers and whether quorum holds, from a node list. */
export function quorumOf(nodes: SwarmNode[]): {
  managers: number;
  reachable: number;
  needed: number;
  ok: boolean;
} {
  const managers = nodes.filter((n) => n.role === 'manager');
  // A Down entry can still read Reachable for a while after its engine left: it is not.
  const reachable = managers.filter(isReachableManager).length;
  const needed = quorumSize(managers.length);
  return { managers: managers.length, reachable, needed, ok: managers.length > 0 && reachable >= needed };
}

/**
 * Polls `read` until `done` says yes (core/poll.ts: backoff from 100 ms to `maxDelayMs`, a deadline
 * per attempt so a request to a host whose link was cut cannot hang the run), or fails after
 * `timeoutMs`. Replaces the fixed sleeps of the shell version: it returns as soon as the engine
 * agrees. Waits on the critical path (a manager join) keep maxDelayMs short.
 */
export async function pollUntil<T>(
  ctx: SwarmContext,
  what: string,
  read: (signal: AbortSignal) => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
  maxDelayMs = 1000,
): Promise<T> {
  return pollShared(
    what,
    async (signal) => {
      const value = await read(signal);
      return done(value) ? value : undefined;
    },
    {
      timeoutMs,
      signal: ctx.signal,
      attemptMs: ATTEMPT_MS,
      initialDelayMs: Math.min(100, maxDelayMs),
      maxDelayMs,
      retryErrors: false,
    },
  );
}

/** Deadline of one Engine API read while polling: a healthy manager answers in milliseconds. */
const ATTEMPT_MS = 10_000;

/** Managers of this swarm fleet may talk to: the leader first, then the others that answered. */
export function managerCandidates(ctx: SwarmContext): HostRecord[] {
  return [
    leaderRecord(ctx),
    ...[...ctx.hosts.values()].filter((h) => h.membership === 'ours' && h.currentRole === 'manager'),
  ].filter(
    (h, i, all): h is HostRecord =>
      Boolean(h?.engine) && h!.result.status !== 'failed' && all.indexOf(h) === i,
  );
}

/** How long a call through the managers waits out a leader election (~10 s in Docker's defaults). */
export function electionWaitMs(ctx: SwarmContext): number {
  return Math.max(ctx.options.settleTimeoutMs, 20_000);
}

/** Whether a manager whose cluster call timed out still answers its own engine's /info within 5 s. */
export async function stillAnswers(via: HostRecord, signal: AbortSignal): Promise<boolean> {
  try {
    await withDeadline(`GET /info on ${via.target.id}`, 5000, signal, (s) => via.engine!.info(s));
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs a cluster-level call (list nodes, label a node, create the network) through the leader and,
 * when the leader does not answer in time (its link was cut, its engine stopped), through the other
 * managers in turn: the survivors elect a new leader within seconds and carry on. A manager that
 * fails this way is marked failed (so the run cannot end "ok") and the leader pointer moves to the
 * manager that answered. A call that only timed out on a manager that still answers /info is slow,
 * not lost: it is tried again (until the deadline) without failing that manager. Errors of the
 * request itself (HTTP 4xx) are thrown as they are.
 */
export async function viaManager<T>(
  ctx: SwarmContext,
  phase: string,
  fn: (via: HostRecord, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  let lastError: FleetError | undefined;
  // The survivors may need an election (~10 s in Docker's defaults) before one answers.
  const deadline = Date.now() + electionWaitMs(ctx);
  for (;;) {
    const candidates = managerCandidates(ctx);
    if (candidates.length === 0) break;
    for (const via of candidates) {
      if (ctx.signal.aborted) throw new FleetError('interrupted', `interrupted during ${phase}`);
      if (lastError && Date.now() > deadline) break;
      try {
        const value = await withDeadline(`${phase} via ${via.target.id}`, ATTEMPT_MS, ctx.signal, (signal) =>
          fn(via, signal),
        );
        if (ctx.cluster && ctx.cluster.leader !== via.target.id) ctx.cluster.leader = via.target.id;
        return value;
      } catch (err) {
        const error = toFleetError(err);
        if (error.code === 'interrupted' || ctx.signal.aborted) throw error;
        lastError = error;
        const status = dockerStatus(err);
        if (isConnectionError(error)) {
          if (error.code === 'timeout' && (await stillAnswers(via, ctx.signal))) {
            // Alive but slow (its Raft store busy with many joins on a loaded machine): not lost.
            ctx.bus.log('debug', `${phase}: ${error.message}; it still answers, trying again`, via.target.id);
            continue;
          }
          // This manager is gone for this run: say so once, then use the others.
          if (via.result.status !== 'failed') {
            const lost = new FleetError(error.code, `manager lost: ${error.message}`, {
              host: via.target.id,
              hint: 'check the host and its link; the next fleet up repairs what this run could not do',
            });
            markFailed(via, phase, lost, ctx);
            ctx.bus.log('warn', `does not answer; going on through the other managers`, via.target.id);
          }
        } else if (status !== 503 && !/leader|quorum/i.test(error.message)) {
          throw error;
        }
      }
    }
    if (Date.now() > deadline) break;
    await sleep(500, ctx.signal);
  }
  throw (
    lastError ??
    new FleetError('quorum', `no manager of this swarm answers (${phase})`, {
      hint: 'check the managers; the next fleet up continues from here',
    })
  );
}

/**
 * Sets a node's role through a manager of this swarm: the leader unless it is `self` (the node being
 * demoted), then the other managers in turn when one answers 503 — a manager promoted moments ago may
 * still be "being prepared" — and `self` last: a manager may demote itself (its API forwards to the
 * leader), which is what a partial `down` of a manager without other selected managers needs.
 * Returns the manager that carried the update.
 */
export async function setRoleViaManagers(
  ctx: SwarmContext,
  nodeId: string,
  role: 'manager' | 'worker',
  self?: HostRecord,
): Promise<HostRecord> {
  const candidates = [
    leaderRecord(ctx),
    ...[...ctx.hosts.values()].filter((h) => h.membership === 'ours' && h.currentRole === 'manager'),
  ].filter((h, i, all): h is HostRecord => Boolean(h?.engine) && h !== self && all.indexOf(h) === i);
  if (self?.engine && self.currentRole === 'manager') candidates.push(self);
  if (candidates.length === 0) {
    throw new FleetError('quorum', `no manager of this swarm answers to change node ${nodeId.slice(0, 12)}`);
  }
  for (const via of candidates) {
    try {
      const node = await via.engine!.inspectNode(nodeId, ctx.signal);
      await via.engine!.updateNode(node.id, node.version, { ...node.spec, Role: role }, ctx.signal);
      return via;
    } catch (err) {
      if (dockerStatus(err) !== 503 || via === candidates.at(-1)) throw err;
    }
  }
  throw new FleetError('internal', 'unreachable');
}

/**
 * Demotes a stale manager entry through `via`. An entry whose node never got a Raft seat (a manager
 * join cut before the leader committed it: the node object says manager, Raft does not know it)
 * cannot be demoted: swarmkit answers 404 "can't find manager in raft memberlist". It needs no
 * demotion either (it holds no seat, and its removal is allowed as it is): 'no-seat'.
 */
export async function demoteEntry(
  via: HostRecord,
  nodeId: string,
  signal: AbortSignal,
): Promise<'demoted' | 'no-seat'> {
  const node = await via.engine!.inspectNode(nodeId, signal);
  try {
    await via.engine!.updateNode(node.id, node.version, { ...node.spec, Role: 'worker' }, signal);
    return 'demoted';
  } catch (err) {
    // 404 NotFound; matched on the text too, in case a wrapper dropped the status.
    if (/can't find manager in raft memberlist/i.test(toFleetError(err).message)) return 'no-seat';
    throw err;
  }
}
