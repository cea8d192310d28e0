/**
 * Restarting Docker where daemon.json changed under a running engine. Outside a swarm: restart and
 * wait until the engine answers. A swarm member: drained first (through another manager), restarted,
 * waited for until it is Ready again (a manager also Reachable, which needs quorum), then activated.
 * Hosts go in core/reboot-plan.ts rollingWaves order with one host per wave, so two managers are
 * never down at once; a manager whose restart would take the last quorum margin of a swarm of three
 * or more managers (another one already unreachable) is refused.
 */
import type { SshPool } from '../../adapters/ssh/types.js';
import { FleetError } from '../../core/errors.js';
import { pollUntil } from '../../core/poll.js';
import { checkManagerRestart } from '../../core/bootstrap-plan.js';
import { rollingWaves } from '../../core/reboot-plan.js';
import type { Runtime } from '../../runtime/types.js';
import { checkReady } from '../shared/readiness.js';
import {
  managerCandidates,
  readMembership,
  setAvailability,
  withManager,
  type NodeInfo,
} from '../shared/swarm-nodes.js';
import { rootRun } from './host.js';

export interface RestartOptions {
  rt: Runtime;
  pool: SshPool;
  timeoutMs: number;
  /** Called with each change made (drain, activate), for the host's report row. */
  onChange?: (host: string, description: string) => void;
}

/** Restarts Docker on each target, one at a time; returns per host the error, if any. */
export async function restartSafely(
  targets: NodeInfo['target'][],
  o: RestartOptions,
): Promise<Map<string, Error>> {
  const { rt, pool } = o;
  const failed = new Map<string, Error>();
  const nodes = await Promise.all(targets.map((t) => readMembership(pool, t, rt.signal, rt.sudoPassword)));
  const candidates = managerCandidates(nodes);
  for (const wave of rollingWaves(nodes, { batch: 1 }) as NodeInfo[][]) {
    for (const n of wave) {
      if (rt.signal.aborted) break;
      try {
        await restartOne(n, candidates, o);
      } catch (err) {
        failed.set(n.id, err as Error);
        // A manager that did not come back: stop, the next one would take more quorum away.
        if (n.role === 'manager') {
          for (const rest of nodes)
            if (!failed.has(rest.id) && rest !== n) failed.set(rest.id, notStarted(n));
          return failed;
        }
      }
    }
  }
  return failed;
}

const notStarted = (n: NodeInfo): Error =>
  new FleetError('partial', `not restarted: ${n.id} did not come back first`, { host: n.id });

async function restartOne(n: NodeInfo, candidates: NodeInfo['target'][], o: RestartOptions): Promise<void> {
  const { rt, pool } = o;
  const changed = (host: string, description: string): void => {
    rt.bus.emit({ type: 'change', host, description, dryRun: false });
    o.onChange?.(host, description);
  };
  const conn = await pool.connect(n.target, rt.signal);
  const member = n.nodeId !== undefined;
  let drained = false;
  const others = new Set([n.id]);
  if (member) {
    await withManager(pool, candidates, others, rt.signal, rt.sudoPassword, async (engine) => {
      if (n.role === 'manager') {
        const nodes = await engine.listNodes(rt.signal);
        const managers = nodes.filter((x) => x.manager);
        const reachable = managers.filter((x) => x.manager?.reachability === 'reachable').length;
        checkManagerRestart(n.id, managers.length, reachable);
      }
      // A node the user drained stays drained: only a node fleet drained is activated again.
      drained = (await engine.inspectNode(n.nodeId!, rt.signal)).availability === 'active';
      if (!drained) return;
      await setAvailability(engine, n.nodeId!, 'drain', rt.signal);
      changed(n.id, 'drained before the Docker restart');
    });
  }
  rt.bus.hostState(n.id, 'running', 'restarting docker');
  await rootRun(conn, rt, 'restarting docker', 'systemctl restart docker');
  rt.bus.hostState(n.id, 'running', member ? 'waiting until Ready' : 'waiting for the engine');
  await pollUntil(
    `${n.id} to be ${member ? 'Ready in the swarm' : 'answering'} after the Docker restart`,
    async (attempt) => {
      const ready = await checkReady(pool, n.target, member ? 'swarm' : 'docker', attempt, rt.sudoPassword);
      if (!ready || !member) return ready;
      // Ready as a manager says it (a worker's own engine only knows it is active).
      // A manager: every manager Reachable again, so the next restart starts from a full margin.
      return withManager(pool, candidates, others, attempt, rt.sudoPassword, async (engine) => {
        const nodes = await engine.listNodes(attempt);
        const self = nodes.find((x) => x.id === n.nodeId);
        const managersBack = nodes.every((x) => !x.manager || x.manager.reachability === 'reachable');
        return self?.state === 'ready' && (n.role !== 'manager' || managersBack) ? ready : undefined;
      });
    },
    { timeoutMs: o.timeoutMs, signal: rt.signal, host: n.id, attemptMs: 15_000, initialDelayMs: 500 },
  );
  if (drained) {
    await withManager(pool, candidates, new Set(), rt.signal, rt.sudoPassword, (engine) =>
      setAvailability(engine, n.nodeId!, 'active', rt.signal),
    );
    changed(n.id, 'activated after the Docker restart');
  }
}
