/**
 * Talk to the swarm through whichever manager answers: the leader when it is reachable, any other
 * reachable manager when it is not, and one error naming every manager tried when none answers.
 */
import { createDockerEngine } from '../../adapters/docker/engine.js';
import type { DockerEngine, SwarmNode } from '../../adapters/docker/types.js';
import { FleetError, toFleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import type { Runtime } from '../../runtime/types.js';

/** A manager to try; `engine` when the caller already opened one, `error` when it already failed. */
export interface ManagerCandidate {
  target: HostTarget;
  engine?: DockerEngine;
  error?: FleetError;
}

export interface ManagerAnswer<R> {
  result: R;
  /** The manager `fn` ran on. */
  via: HostTarget;
  /** The node list read first (it names the leader). */
  nodes: SwarmNode[];
}

/** Failures that mean "this manager cannot answer now": try the next one. Anything else is `fn`'s own error. */
const TRY_NEXT = new Set(['connect', 'auth', 'hostkey', 'timeout', 'docker']);

/**
 * Reads the node list from the first manager that answers (candidates in the given order), then
 * runs `fn` on the leader when it is one of the candidates, else on that manager. `fn` may run on
 * a second manager when the first fails with a connection or Engine API error, so keep it a read
 * or idempotent. Engines opened here are closed before returning; the caller's stay open.
 */
export async function withManager<R>(
  rt: Runtime,
  managers: Array<HostTarget | ManagerCandidate>,
  fn: (engine: DockerEngine, manager: HostTarget, nodes: SwarmNode[]) => Promise<R>,
): Promise<ManagerAnswer<R>> {
  const candidates = managers.map((m) => ('target' in m ? { ...m } : { target: m }));
  if (candidates.length === 0) {
    throw new FleetError('usage', 'no swarm manager among the hosts to ask', {
      hint: 'select a manager (-n HOST), or form the swarm with fleet up',
    });
  }
  const opened: DockerEngine[] = [];
  const failures = new Map<string, FleetError>();
  const engineOf = async (c: ManagerCandidate): Promise<DockerEngine> => {
    if (c.engine) return c.engine;
    const conn = await (await rt.pool()).connect(c.target, rt.signal);
    c.engine = await createDockerEngine(conn, { signal: rt.signal, sudoPassword: rt.sudoPassword });
    opened.push(c.engine);
    return c.engine;
  };
  const attempt = async <T>(
    c: ManagerCandidate,
    step: (e: DockerEngine) => Promise<T>,
  ): Promise<T | undefined> => {
    if (c.error) {
      failures.set(c.target.id, c.error);
      return undefined;
    }
    try {
      return await step(await engineOf(c));
    } catch (err) {
      const error = toFleetError(err);
      if (!TRY_NEXT.has(error.code)) throw error;
      c.error = error;
      failures.set(c.target.id, error);
      return undefined;
    }
  };
  try {
    for (const first of candidates) {
      const nodes = await attempt(first, (e) => e.listNodes(rt.signal));
      if (!nodes) continue;
      const leader = leaderCandidate(candidates, nodes);
      for (const c of leader && leader !== first ? [leader, first] : [first]) {
        const answer = await attempt(c, (e) => fn(e, c.target, nodes).then((result) => ({ result })));
        if (answer) return { result: answer.result, via: c.target, nodes };
      }
    }
    throw noManagerAnswered(failures);
  } finally {
    for (const engine of opened) engine.close();
  }
}

/** The candidate whose address the node list gives for the leader. */
function leaderCandidate(candidates: ManagerCandidate[], nodes: SwarmNode[]): ManagerCandidate | undefined {
  const leader = nodes.find((n) => n.manager?.leader);
  if (!leader) return undefined;
  const raftHost = leader.manager?.addr.replace(/:\d+$/, '');
  return candidates.find(
    (c) => !c.error && (c.target.address === leader.addr || c.target.address === raftHost),
  );
}

function noManagerAnswered(failures: Map<string, FleetError>): FleetError {
  const errors = [...failures.values()];
  const tried = [...failures].map(([id, e]) => `${id} (${e.message})`).join('; ');
  const noLeader = errors.some((e) => /leader|quorum/i.test(e.message));
  const code = noLeader ? 'quorum' : errors.every((e) => e.code !== 'docker') ? 'connect' : 'docker';
  return new FleetError(code, `no swarm manager answered: ${tried}`, {
    hint: noLeader
      ? 'more than half of the managers must run for the swarm to answer; bring the others back online'
      : 'check that the managers are online and their Docker engines run (systemctl status docker)',
  });
}
