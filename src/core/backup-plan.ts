/**
 * What a backup run does, decided from what was observed on the hosts. Pure: the observations are
 * gathered by run-backup.ts; this file only decides (and refuses) so every rule has a unit test.
 */
import { posix } from 'node:path';
import { FleetError } from './errors.js';
import type { ItemRef } from './backup-manifest.js';
import { SWARM_DIR } from './backup-manifest.js';

export const DEFAULT_PATHS = ['/etc/fleet'];
import type { BackupKind } from './backup-kinds.js';
export type { BackupKind } from './backup-kinds.js';

/** One host as seen before the backup: its engine's view of the swarm, existing paths, volumes. */
export interface HostObservation {
  host: string;
  /** Undefined when the host has no reachable Docker engine. */
  docker?: {
    version: string;
    nodeId: string;
    /** Swarm address (Info.Swarm.NodeAddr). */
    nodeAddr?: string;
    /** 'active' members only count; 'locked' managers cannot be backed up until unlocked. */
    localNodeState: string;
    clusterId: string;
    manager: boolean;
  };
  /** Which of the requested paths exist on the host. */
  existingPaths: string[];
  /** Requested volumes that exist on the host, with their mountpoints. */
  volumes: Record<string, string>;
}

/** The cluster as a manager sees it (GET /nodes). */
export interface ClusterNode {
  nodeId: string;
  role: 'manager' | 'worker';
  leader: boolean;
  reachability?: 'reachable' | 'unreachable' | 'unknown';
}

export interface PlanOptions {
  kinds: BackupKind[];
  /** Paths asked for with --path (the default paths are added unless `kinds` excludes paths). */
  extraPaths: string[];
  volumes: string[];
  allowDowntime: boolean;
  /** True when the user named the kinds (--only): a kind that cannot be done is then an error. */
  explicitKinds: boolean;
}

export interface PlannedItem extends ItemRef {
  /** For volumes: the mountpoint to archive. */
  dir?: string;
}

export interface SwarmSource {
  host: string;
  nodeId: string;
  addr?: string;
  managers: number;
  wasLeader: boolean;
}

export interface BackupPlan {
  clusterId: string | null;
  swarm?: SwarmSource;
  items: PlannedItem[];
  /** Things skipped on purpose, one line each (absent default path, worker-only selection …). */
  notes: { host?: string; message: string }[];
}

export function validatePath(path: string): string {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
  if (!trimmed.startsWith('/') || /[\n\0]/.test(trimmed) || posix.normalize(trimmed) !== trimmed) {
    throw new FleetError('usage', `--path ${JSON.stringify(path)}: expected an absolute, normalised path`, {
      hint: 'e.g. --path /etc/fleet --path /opt/app/config',
    });
  }
  if (trimmed === '/')
    throw new FleetError('usage', '--path /: back up specific folders, not the whole root');
  return trimmed;
}

export function validateVolume(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) {
    throw new FleetError('usage', `--volume ${JSON.stringify(name)} is not a Docker volume name`, {
      hint: 'names use letters, digits, _ . - (see docker volume ls)',
    });
  }
  return name;
}

/** Stopping one reachable manager keeps quorum iff the reachable managers left are a majority. */
export function quorumAfterStopping(nodes: ClusterNode[]): {
  managers: number;
  reachable: number;
  ok: boolean;
} {
  const managers = nodes.filter((n) => n.role === 'manager');
  const reachable = managers.filter((n) => n.leader || n.reachability === 'reachable').length;
  const needed = Math.floor(managers.length / 2) + 1;
  return { managers: managers.length, reachable, ok: reachable - 1 >= needed };
}

export function planBackup(
  observed: HostObservation[],
  cluster: ClusterNode[] | undefined,
  options: PlanOptions,
): BackupPlan {
  const notes: BackupPlan['notes'] = [];
  const items: PlannedItem[] = [];
  const members = observed.filter(
    (o) => o.docker && o.docker.clusterId && o.docker.localNodeState !== 'inactive',
  );
  const clusterIds = [...new Set(members.map((o) => o.docker!.clusterId))];
  if (clusterIds.length > 1) {
    throw new FleetError(
      'usage',
      `the selected hosts are in ${clusterIds.length} different swarms (${clusterIds.join(', ')})`,
      {
        hint: 'back up one cluster at a time: select its hosts with -n',
      },
    );
  }
  const clusterId = clusterIds[0] ?? null;

  let swarm: SwarmSource | undefined;
  if (options.kinds.includes('swarm')) {
    swarm = chooseSwarmSource(observed, cluster, options, notes);
    if (swarm) items.push({ host: swarm.host, kind: 'swarm', source: SWARM_DIR });
  }

  if (options.kinds.includes('paths')) {
    const extra = options.extraPaths.map(validatePath);
    const requested = [...new Set([...DEFAULT_PATHS, ...extra])];
    for (const host of observed) {
      for (const path of requested) {
        if (host.existingPaths.includes(path)) items.push({ host: host.host, kind: 'path', source: path });
        else if (extra.includes(path)) {
          throw new FleetError('usage', `${path} does not exist on ${host.host}`, {
            host: host.host,
            hint: 'fix the path, or leave this host out with -x',
          });
        } else notes.push({ host: host.host, message: `${path} does not exist here; skipped` });
      }
    }
  }

  if (options.kinds.includes('volumes')) {
    for (const volume of options.volumes.map(validateVolume)) {
      const holders = observed.filter((o) => o.volumes[volume] !== undefined);
      if (holders.length === 0) {
        throw new FleetError('usage', `volume ${volume} exists on none of the selected hosts`, {
          hint: 'check the name with `fleet exec -n … docker volume ls`',
        });
      }
      for (const host of holders)
        items.push({ host: host.host, kind: 'volume', source: volume, dir: host.volumes[volume] });
    }
  }

  if (items.length === 0) {
    throw new FleetError('usage', 'nothing to back up on the selected hosts', {
      hint: 'add --path or --volume, or select hosts that are in a swarm',
    });
  }
  return { clusterId, swarm, items, notes };
}

function chooseSwarmSource(
  observed: HostObservation[],
  cluster: ClusterNode[] | undefined,
  options: PlanOptions,
  notes: BackupPlan['notes'],
): SwarmSource | undefined {
  const skip = (message: string): undefined => {
    if (options.explicitKinds) throw new FleetError('usage', `cannot back up the swarm: ${message}`);
    notes.push({ message: `swarm state not backed up: ${message}` });
    return undefined;
  };
  const locked = observed.find((o) => o.docker?.manager && o.docker.localNodeState === 'locked');
  const managers = observed.filter((o) => o.docker?.manager && o.docker.localNodeState === 'active');
  if (managers.length === 0) {
    if (locked) return skip(`manager ${locked.host} is locked; unlock it first (docker swarm unlock)`);
    return skip('no selected host is a swarm manager');
  }
  if (!cluster || cluster.length === 0) return skip('could not read the node list from a manager');
  const byId = new Map(cluster.map((n) => [n.nodeId, n]));
  const quorum = quorumAfterStopping(cluster);
  const reachableFollower = managers.find((m) => {
    const node = byId.get(m.docker!.nodeId);
    return node && !node.leader && node.reachability === 'reachable';
  });
  const quorumText = `${quorum.reachable}/${quorum.managers} managers reachable, quorum needs ${Math.floor(quorum.managers / 2) + 1}`;
  if (reachableFollower && (quorum.ok || options.allowDowntime)) {
    return {
      host: reachableFollower.host,
      nodeId: reachableFollower.docker!.nodeId,
      addr: reachableFollower.docker!.nodeAddr,
      managers: quorum.managers,
      wasLeader: false,
    };
  }
  if (!options.allowDowntime) {
    const why =
      quorum.managers === 1
        ? 'the cluster has a single manager: stopping its Docker engine stops the control plane'
        : reachableFollower
          ? `stopping one more manager would lose quorum (${quorumText})`
          : `no selected manager is a reachable non-leader (${quorumText})`;
    throw new FleetError('quorum', `refusing to back up the swarm: ${why}`, {
      hint: 'pass --allow-downtime to accept a control-plane outage during the backup, or add managers with fleet up',
    });
  }
  const leader = managers.find((m) => byId.get(m.docker!.nodeId)?.leader) ?? managers[0]!;
  return {
    host: leader.host,
    nodeId: leader.docker!.nodeId,
    addr: leader.docker!.nodeAddr,
    managers: quorum.managers,
    wasLeader: Boolean(byId.get(leader.docker!.nodeId)?.leader),
  };
}
