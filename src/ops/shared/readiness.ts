/**
 * Is a host back? One check per attempt, shared by `fleet wait` and `fleet reboot`: SSH answers a
 * command (and says its boot id), the Docker engine answers, or the host is an active swarm member
 * (a manager: listed by itself as Ready and Reachable, which needs quorum, since a manager without
 * quorum cannot list nodes). Throws while the host is not there yet; pollUntil counts that as "not yet".
 */
import { createDockerEngine } from '../../adapters/docker/engine.js';
import type { SshPool } from '../../adapters/ssh/types.js';
import { FleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';

export type ReadyLevel = 'ssh' | 'docker' | 'swarm';

export interface Readiness {
  /** /proc/sys/kernel/random/boot_id: changes on every boot. */
  bootId: string;
  /** Swarm only: the node's role as its engine sees it. */
  manager?: boolean;
}

export async function checkReady(
  pool: SshPool,
  host: HostTarget,
  level: ReadyLevel,
  signal: AbortSignal,
  sudoPassword?: string,
): Promise<Readiness | undefined> {
  const conn = await pool.connect(host, signal);
  const boot = await conn.exec('cat /proc/sys/kernel/random/boot_id', { signal, timeoutMs: 10_000 });
  const bootId = boot.stdout.toString('utf8').trim();
  if (boot.exitCode !== 0 || bootId === '') return undefined;
  if (level === 'ssh') return { bootId };
  const engine = await createDockerEngine(conn, { signal, sudoPassword });
  try {
    const info = await engine.info(signal);
    if (level === 'docker') return { bootId };
    const swarm = info.swarm;
    if (swarm.localNodeState !== 'active') {
      throw new FleetError(
        'docker',
        `swarm state ${swarm.localNodeState}${swarm.error ? `: ${swarm.error}` : ''}`,
        {
          host: host.id,
        },
      );
    }
    if (!swarm.controlAvailable) return { bootId, manager: false };
    const self = (await engine.listNodes(signal)).find((n) => n.id === swarm.nodeId);
    if (self?.state !== 'ready' || self.manager?.reachability !== 'reachable') {
      throw new FleetError(
        'docker',
        `manager not ready yet (${self?.state ?? 'unlisted'}, ${self?.manager?.reachability ?? 'unknown'})`,
        {
          host: host.id,
        },
      );
    }
    return { bootId, manager: true };
  } finally {
    engine.close();
  }
}
