/**
 * Restarting Docker where daemon.json changed under a running engine, on the one rolling engine
 * (ops/shared/rolling.ts) with one host per wave: a swarm member is drained first (through another
 * manager; a node the user drained stays drained), restarted, waited for until it is Ready again (a
 * manager: until every manager is Reachable again, so the next restart starts from a full margin),
 * then activated. Two managers are never down at once, and a manager whose restart would take the
 * last quorum margin of a swarm of three or more managers is refused. Outside a swarm: restart and
 * wait until the engine answers.
 */
import type { SshPool } from '../../adapters/ssh/types.js';
import { FleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import { pollUntil } from '../../core/poll.js';
import type { Runtime } from '../../runtime/types.js';
import { checkReady } from '../shared/readiness.js';
import { runRolling, type NodeInfo, type RollingRow } from '../shared/rolling.js';
import { withManager } from '../shared/manager.js';
import { managerCandidates } from '../shared/rolling-nodes.js';
import { rootRun } from './host.js';

export interface RestartOptions {
  rt: Runtime;
  pool: SshPool;
  timeoutMs: number;
  /** Called with each change made (drain, activate), for the host's report row. */
  onChange?: (host: string, description: string) => void;
}

/** Restarts Docker on each target, one at a time; returns per host the error, if any. */
export async function restartSafely(targets: HostTarget[], o: RestartOptions): Promise<Map<string, Error>> {
  const outcome = await runRolling<RollingRow>(
    {
      hosts: targets,
      batch: 1,
      drain: true,
      hostEvents: false,
      row: () => ({}),
      step: async (n, _row, signal) => {
        await restartOne(n, o, signal);
      },
      failedWords: 'did not come back after the Docker restart',
      stepWords: 'restarting Docker on',
      onChange: (host, what) =>
        o.onChange?.(host, `${what} ${what === 'drained' ? 'before' : 'after'} the Docker restart`),
    },
    o.rt,
  );
  const failed = new Map<string, Error>();
  for (const row of outcome.rows) {
    if (row.status === 'ok') continue;
    failed.set(
      row.id,
      row.status === 'failed'
        ? new FleetError('docker', row.error ?? 'the Docker restart failed', { host: row.id })
        : (outcome.error ??
            new FleetError('partial', `not restarted: stopped before ${row.id}`, { host: row.id })),
    );
  }
  return failed;
}

async function restartOne(n: NodeInfo, o: RestartOptions, signal: AbortSignal): Promise<void> {
  const { rt, pool } = o;
  const conn = await pool.connect(n.target, signal);
  const member = n.nodeId !== undefined;
  rt.bus.hostState(n.id, 'running', 'restarting docker');
  await rootRun(conn, rt, 'restarting docker', 'systemctl restart docker');
  rt.bus.hostState(n.id, 'running', member ? 'waiting until Ready' : 'waiting for the engine');
  const candidates = managerCandidates([n]);
  await pollUntil(
    `${n.id} to be ${member ? 'Ready in the swarm' : 'answering'} after the Docker restart`,
    async (attempt) => {
      const ready = await checkReady(pool, n.target, member ? 'swarm' : 'docker', attempt, rt.sudoPassword);
      if (!ready || !member) return ready;
      // Ready as a manager lists it (a worker's own engine only knows it is active); a manager also
      // waits for every manager to be Reachable again, so the next restart starts from a full margin.
      return withManager(
        rt,
        candidates,
        async ({ engine }) => {
          const nodes = await engine.listNodes(attempt);
          const self = nodes.find((x) => x.id === n.nodeId);
          const managersBack = nodes.every((x) => !x.manager || x.manager.reachability === 'reachable');
          return self?.state === 'ready' && (n.role !== 'manager' || managersBack) ? ready : undefined;
        },
        { signal: attempt },
      );
    },
    { timeoutMs: o.timeoutMs, signal, host: n.id, attemptMs: 15_000, initialDelayMs: 500 },
  );
}
