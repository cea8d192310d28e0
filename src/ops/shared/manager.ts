/**
 * THE way an operation reaches the swarm's control plane: the leader when it answers, else any
 * reachable manager, else a FleetError naming every manager tried and why. Candidates are hosts of
 * nodes.yml: pinned managers are asked one by one first (usually the answer), then every other host
 * at once (`fleet up` makes managers of unpinned hosts too). A rolling run (reboot, rollout,
 * bootstrap's restarts) names the managers of its current wave to `avoid`: they are about to go away,
 * so they are asked only when no other manager answers, and never preferred as the leader.
 */
import { createDockerEngine } from '../../adapters/docker/engine.js';
import type { DockerEngine, EngineInfo, SwarmNode } from '../../adapters/docker/types.js';
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
  /** The caller opened this engine (a ManagerCandidate's): it closes it, not withManager. */
  borrowed?: boolean;
}

/**
 * A host to try, with what the caller already knows: an engine it opened (fleet status asks every
 * host's /info first), or the error it got reaching it (the manager is then named as tried).
 */
export interface ManagerCandidate {
  target: HostTarget;
  engine?: DockerEngine;
  /** The engine's GET /info, when the caller already read it (not asked again). */
  info?: EngineInfo;
  error?: FleetError;
  /**
   * A host the caller is still asking (fleet status starts on the first manager that answers while
   * the other hosts are still being probed): what it will know, or undefined when the host turns out
   * to be no candidate (a worker). Awaited only when this candidate is tried.
   */
  later?: Promise<ManagerCandidate | undefined>;
}

const closeUnlessBorrowed = (m: ManagerConn): void => {
  if (!m.borrowed) m.engine.close();
};

interface Attempt {
  conn?: ManagerConn;
  host: string;
  reason?: string;
  /** A manager of a swarm that has lost quorum (its node list fails). */
  noQuorum?: boolean;
  /** A `later` candidate that turned out to be none: not named among the managers tried. */
  skipped?: boolean;
}

async function openManager(
  rt: Runtime,
  pool: SshPool,
  given: ManagerCandidate,
  signal: AbortSignal,
): Promise<Attempt> {
  const candidate = given.later ? await given.later : given;
  if (!candidate) return { host: given.target.id, skipped: true };
  const { target } = candidate;
  if (candidate.error) return { host: target.id, reason: candidate.error.message };
  const borrowed = Boolean(candidate.engine);
  let engine: DockerEngine | undefined = candidate.engine;
  const drop = (): void => {
    if (!borrowed) engine?.close();
  };
  try {
    if (!engine) {
      const ssh = await pool.connect(target, signal);
      engine = await createDockerEngine(ssh, { signal, sudoPassword: rt.sudoPassword });
    }
    const info = candidate.info ?? (await engine.info(signal));
    if (info.swarm.localNodeState !== 'active') {
      drop();
      return { host: target.id, reason: `not in a swarm (${info.swarm.localNodeState})` };
    }
    if (!info.swarm.controlAvailable) {
      drop();
      return { host: target.id, reason: 'a worker' };
    }
    try {
      const nodes = await engine.listNodes(signal);
      const self = nodes.find((n) => n.id === info.swarm.nodeId);
      const leader = self?.manager?.leader === true;
      return { host: target.id, conn: { target, engine, nodes, leader, borrowed } };
    } catch (err) {
      drop();
      return { host: target.id, reason: toFleetError(err).message, noQuorum: true };
    }
  } catch (err) {
    drop();
    if (signal.aborted) throw new FleetError('interrupted', 'interrupted while looking for a manager');
    return { host: target.id, reason: toFleetError(err).message };
  }
}

/** The first candidate that is a working manager (pinned first, one by one; the rest at once). */
async function findManager(
  rt: Runtime,
  candidates: ManagerCandidate[],
  signal: AbortSignal,
): Promise<{ found?: ManagerConn; tried: Attempt[] }> {
  const pool = await rt.pool();
  const tried: Attempt[] = [];
  // What the caller already knows (an engine it opened, an error it got) costs no connection: these
  // are taken in order with the pinned managers; the other hosts are then asked at once.
  const ready = (c: ManagerCandidate): boolean =>
    Boolean(c.engine ?? c.error ?? c.later) || c.target.role === 'manager';
  for (const c of candidates.filter(ready)) {
    const attempt = await openManager(rt, pool, c, signal);
    tried.push(attempt);
    if (attempt.conn) return { found: attempt.conn, tried };
  }
  const rest = candidates.filter((c) => !ready(c));
  const attempts = await forEachHost(rest, { concurrency: 16 }, (c) => openManager(rt, pool, c, signal));
  tried.push(...attempts);
  const found = attempts.find((a) => a.conn)?.conn;
  // Keep one engine open: the chosen one (the leader when it is among them).
  const chosen = attempts.find((a) => a.conn?.leader)?.conn ?? found;
  for (const a of attempts) if (a.conn && a.conn !== chosen) closeUnlessBorrowed(a.conn);
  return { found: chosen, tried };
}

/** Moves to the leader when the chosen manager is not it and the leader's host is a candidate. */
async function preferLeader(
  rt: Runtime,
  m: ManagerConn,
  candidates: ManagerCandidate[],
  signal: AbortSignal,
): Promise<ManagerConn> {
  if (m.leader) return m;
  const leaderNode = m.nodes.find((n) => n.manager?.leader);
  const candidate =
    leaderNode &&
    candidates.find(
      (c) =>
        c.target !== m.target &&
        !c.error &&
        isEntryOf({ address: c.target.address, hostname: c.target.id }, leaderNode),
    );
  if (!candidate) return m;
  const attempt = await openManager(rt, await rt.pool(), candidate, signal);
  if (!attempt.conn) return m;
  closeUnlessBorrowed(m);
  return attempt.conn;
}

export interface WithManagerOptions {
  /**
   * Host ids asked only when no other candidate answers (a rolling wave's managers, about to go
   * away); the leader is never preferred over a manager outside them.
   */
  avoid?: ReadonlySet<string>;
  /** This call's signal (default the run's): a rolling step runs with a signal of its own. */
  signal?: AbortSignal;
  /** The hint when no manager answers at all (default: check the managers). */
  hint?: string;
}

/**
 * Runs `fn` against the leader (or, when it does not answer, another manager). Throws
 * FleetError 'quorum' when managers answered but none has quorum, 'connect' when none answered.
 * Errors of `fn` itself are thrown as they are (another manager would refuse the same way).
 */
export async function withManager<T>(
  rt: Runtime,
  managers: Array<HostTarget | ManagerCandidate>,
  fn: (m: ManagerConn) => Promise<T>,
  o: WithManagerOptions = {},
): Promise<T> {
  const candidates = managers.map((m): ManagerCandidate => ('target' in m ? m : { target: m }));
  if (managers.length === 0) {
    throw new FleetError('usage', 'no hosts to look for a swarm manager on', {
      hint: 'use -f nodes.yml (or FLEET_INVENTORY), or name a manager with -n',
    });
  }
  const signal = o.signal ?? rt.signal;
  const avoided = (c: ManagerCandidate): boolean => o.avoid?.has(c.target.id) === true;
  const preferred = candidates.filter((c) => !avoided(c));
  const lastResort = candidates.filter(avoided);
  const first = await findManager(rt, preferred, signal);
  const second =
    first.found || lastResort.length === 0 ? undefined : await findManager(rt, lastResort, signal);
  const found = first.found ?? second?.found;
  const tried = [...first.tried, ...(second?.tried ?? [])];
  if (!found) {
    const list = tried
      .filter((a) => !a.skipped)
      .map((a) => `${a.host} (${a.reason})`)
      .join('; ');
    const noQuorum = tried.some((a) => a.noQuorum);
    throw new FleetError(noQuorum ? 'quorum' : 'connect', `no swarm manager answered: ${list}`, {
      hint: noQuorum
        ? 'the swarm has lost quorum: bring managers back (fleet status), or see fleet restore'
        : (o.hint ?? 'check that the managers are up and reachable, and that fleet up formed the swarm'),
    });
  }
  const m = await preferLeader(rt, found, first.found ? preferred : lastResort, signal);
  rt.bus.log('debug', `using manager ${m.target.id}${m.leader ? ' (leader)' : ''}`, m.target.id);
  try {
    return await fn(m);
  } finally {
    closeUnlessBorrowed(m);
  }
}
