/**
 * Before anything changes: connect to every selected host, see which requested paths exist, ask its
 * engine about swarm membership and volume mountpoints, and read the node list from a manager.
 */
import { createDockerEngine } from '../../adapters/docker/engine.js';
import type { DockerEngine, SwarmNode } from '../../adapters/docker/types.js';
import { shQuote } from '../../adapters/ssh/quote.js';
import type { SshConnection, SshPool } from '../../adapters/ssh/types.js';
import { FleetError, toFleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import type { EventBus } from '../../runtime/events.js';
import { forEachHost } from '../../runtime/for-each-host.js';
import type { ClusterNode, HostObservation } from '../../core/backup-plan.js';

export interface ObservedHost {
  target: HostTarget;
  conn: SshConnection;
  engine?: DockerEngine;
  observation: HostObservation;
}

export interface ObserveOptions {
  hosts: HostTarget[];
  pool: SshPool;
  bus: EventBus;
  signal: AbortSignal;
  concurrency: number;
  paths: string[];
  volumes: string[];
  needDocker: boolean;
  sudo: boolean;
  sudoPassword?: string;
}

export interface Observed {
  hosts: ObservedHost[];
  failures: { host: string; error: FleetError }[];
}

export async function observeHosts(o: ObserveOptions): Promise<Observed> {
  const hosts: ObservedHost[] = [];
  const failures: Observed['failures'] = [];
  await forEachHost(o.hosts, { concurrency: o.concurrency }, async (target) => {
    o.bus.hostState(target.id, 'connecting');
    try {
      hosts.push(await observeOne(target, o));
      o.bus.hostState(target.id, 'waiting', 'observed');
    } catch (err) {
      const error = toFleetError(err);
      failures.push({ host: target.id, error });
    }
  });
  // Keep the selection order: reports and the swarm source choice are deterministic.
  const order = new Map(o.hosts.map((h, i) => [h.id, i]));
  hosts.sort((a, b) => order.get(a.target.id)! - order.get(b.target.id)!);
  return { hosts, failures };
}

async function observeOne(target: HostTarget, o: ObserveOptions): Promise<ObservedHost> {
  const conn = await o.pool.connect(target, o.signal);
  const probe = o.paths
    .map((p) => `if [ -e ${shQuote(p)} ]; then printf '%s\\n' ${shQuote(p)}; fi`)
    .join('; ');
  const existingPaths: string[] = [];
  if (probe) {
    const result = await conn.exec(probe, {
      sudo: o.sudo,
      sudoPassword: o.sudoPassword,
      signal: o.signal,
      timeoutMs: 30_000,
    });
    if (result.exitCode !== 0) {
      throw new FleetError('remote-exit', `checking paths failed (exit ${result.exitCode})`, {
        host: target.id,
      });
    }
    existingPaths.push(...result.stdout.toString('utf8').split('\n').filter(Boolean));
  }
  const observation: HostObservation = { host: target.id, existingPaths, volumes: {} };
  if (!o.needDocker) return { target, conn, observation };
  let engine: DockerEngine;
  try {
    engine = await createDockerEngine(conn, { sudoPassword: o.sudoPassword, signal: o.signal });
  } catch (err) {
    if (o.volumes.length > 0) throw err;
    // Without volumes to read, a host without Docker still has paths to back up.
    o.bus.log('warn', `no Docker engine: ${toFleetError(err).message}`, target.id);
    return { target, conn, observation };
  }
  const info = await engine.info(o.signal);
  observation.docker = {
    version: engine.serverVersion,
    nodeId: info.swarm.nodeId,
    nodeAddr: info.swarm.nodeAddr || undefined,
    localNodeState: info.swarm.localNodeState,
    clusterId: info.swarm.clusterId,
    // Only managers can be locked (autolock); their control plane is unavailable until unlocked.
    manager: info.swarm.controlAvailable || info.swarm.localNodeState === 'locked',
  };
  if (o.volumes.length > 0) {
    try {
      for (const volume of o.volumes) {
        const mountpoint = await engine.volumeMountpoint(volume);
        if (mountpoint) observation.volumes[volume] = mountpoint;
      }
    } finally {
      engine.closeRaw();
    }
  }
  return { target, conn, engine, observation };
}

/** The node list from a manager among the observed hosts (the leader's view when it is one of them). */
export async function readCluster(
  hosts: ObservedHost[],
  signal: AbortSignal,
): Promise<{ nodes: ClusterNode[]; raw: SwarmNode[]; leader?: ObservedHost } | undefined> {
  const managers = hosts.filter(
    (h) => h.engine && h.observation.docker?.manager && h.observation.docker.localNodeState === 'active',
  );
  for (const manager of managers) {
    try {
      const raw = await manager.engine!.listNodes(signal);
      const nodes: ClusterNode[] = raw.map((n) => ({
        nodeId: n.id,
        role: n.role,
        leader: n.manager?.leader === true,
        reachability: n.manager?.reachability,
      }));
      const leaderId = nodes.find((n) => n.leader)?.nodeId;
      const leader = hosts.find((h) => h.observation.docker?.nodeId === leaderId);
      return { nodes, raw, leader };
    } catch {
      // A manager without quorum cannot list nodes; try the next one.
    }
  }
  return undefined;
}
