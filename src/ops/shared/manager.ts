/**
 * THE way an operation reaches the swarm's control plane: the leader when it answers, else any
 * reachable manager, else a FleetError naming every manager tried and why. Candidates are hosts of
 * nodes.yml: pinned managers are asked one by one first (usually the answer), then every other host
 * at once (`fleet up` makes managers of unpinned hosts too).
 */
import { createDockerEngine } from '../../adapters/docker/engine.js';
import type { DockerEngine, SwarmNode } from '../../adapters/docker/types.js';
import type { SshPool } from '../../adapters/ssh/types.js';
import { FleetError, toFleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import { isEntryOf } from '../../core/swarm-plan.js';
import { forEachHost } from '../../runtime/for-each-host.js';
import type { Runtime } from '../../runtime/types.js';

export interface ManagerConn {
  target: HostTarget;
  engine: DockerEngine;
  /** The node list read when choosing this manager (leader marked). */
  nodes: SwarmNode[];
  /** Whether this manager is the swarm's leader. */
  leader: boolean;
}

interface Attempt {
  conn?: ManagerConn;
  host: string;
  reason?: string;
  /** A manager of a swarm that has lost quorum (its node list fails). */
  noQuorum?: boolean;
}

async function openManager(rt: Runtime, pool: SshPool, target: HostTarget): Promise<Attempt> {
  let engine: DockerEngine | undefined;
  try {
    const ssh = await pool.connect(target, rt.signal);
    engine = await createDockerEngine(ssh, { signal: rt.signal, sudoPassword: rt.sudoPassword });
    const info = await engine.info(rt.signal);
    if (info.swarm.localNodeState !== 'active') {
      engine.close();
      return { host: target.id, reason: `not in a swarm (${info.swarm.localNodeState})` };
    }
    if (!info.swarm.controlAvailable) {
      engine.close();
      return { host: target.id, reason: 'a worker' };
    }
    try {
      const nodes = await engine.listNodes(rt.signal);
      const self = nodes.find((n) => n.id === info.swarm.nodeId);
      return { host: target.id, conn: { target, engine, nodes, leader: self?.manager?.leader === true } };
    } catch (err) {
      engine.close();
      return { host: target.id, reason: toFleetError(err).message, noQuorum: true };
    }
  } catch (err) {
    engine?.close();
    if (rt.signal.aborted) throw new FleetError('interrupted', 'interrupted while looking for a manager');
    return { host: target.id, reason: toFleetError(err).message };
  }
}

/** The first candidate that is a working manager (pinned first, one by one; the rest at once). */
async function findManager(
  rt: Runtime,
  candidates: HostTarget[],
): Promise<{ found?: ManagerConn; tried: Attempt[] }> {
  const pool = await rt.pool();
  const tried: Attempt[] = [];
  for (const target of candidates.filter((t) => t.role === 'manager')) {
    const attempt = await openManager(rt, pool, target);
    tried.push(attempt);
    if (attempt.conn) return { found: attempt.conn, tried };
  }
  const rest = candidates.filter((t) => t.role !== 'manager');
  const attempts = await forEachHost(rest, { concurrency: 16 }, (t) => openManager(rt, pool, t));
  tried.push(...attempts);
  const found = attempts.find((a) => a.conn)?.conn;
  // Keep one engine open: the chosen one (the leader when it is among them).
  const chosen = attempts.find((a) => a.conn?.leader)?.conn ?? found;
  for (const a of attempts) if (a.conn && a.conn !== chosen) a.conn.engine.close();
  return { found: chosen, tried };
}

/** Moves to the leader when the chosen manager is not it and the leader's host is a candidate. */
async function preferLeader(rt: Runtime, m: ManagerConn, candidates: HostTarget[]): Promise<ManagerConn> {
  if (m.leader) return m;
  const leaderNode = m.nodes.find((n) => n.manager?.leader);
  const target =
    leaderNode &&
    candidates.find((t) => t !== m.target && isEntryOf({ address: t.address, hostname: t.id }, leaderNode));
  if (!target) return m;
  const attempt = await openManager(rt, await rt.pool(), target);
  if (!attempt.conn) return m;
  m.engine.close();
  return attempt.conn;
}

/**
 * Runs `fn` against the leader (or, when it does not answer, another manager). Throws
 * FleetError 'quorum' when managers answered but none has quorum, 'connect' when none answered.
 */
export async function withManager<T>(
  rt: Runtime,
  managers: HostTarget[],
  fn: (m: ManagerConn) => Promise<T>,
): Promise<T> {
  if (managers.length === 0) {
    throw new FleetError('usage', 'no hosts to look for a swarm manager on', {
      hint: 'use -f nodes.yml (or FLEET_INVENTORY), or name a manager with -n',
    });
  }
  const { found, tried } = await findManager(rt, managers);
  if (!found) {
    const list = tried.map((a) => `${a.host} (${a.reason})`).join('; ');
    const noQuorum = tried.some((a) => a.noQuorum);
    throw new FleetError(noQuorum ? 'quorum' : 'connect', `no swarm manager answered: ${list}`, {
      hint: noQuorum
        ? 'the swarm has lost quorum: bring managers back (fleet status), or see fleet restore'
        : 'check that the managers are up and reachable, and that fleet up formed the swarm',
    });
  }
  const m = await preferLeader(rt, found, managers);
  rt.bus.log('debug', `using manager ${m.target.id}${m.leader ? ' (leader)' : ''}`, m.target.id);
  try {
    return await fn(m);
  } finally {
    m.engine.close();
  }
}
