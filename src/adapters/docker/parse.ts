/** Engine JSON → fleet's trimmed types. Defensive: API 1.41 and 1.47 differ in which fields may be null. */
import { FleetError } from '../../core/errors.js';
import type { EngineInfo, LocalNodeState, NetworkInfo, NodeSpec, SwarmNode } from './types.js';

export type Json = Record<string, unknown>;
export const obj = (v: unknown): Json => (v && typeof v === 'object' ? (v as Json) : {});
export const str = (v: unknown): string => (typeof v === 'string' ? v : '');
export const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
/** A list answer (GET /nodes, /services, /tasks); anything else is a protocol error. */
export function asList(v: unknown, host: string, action: string): unknown[] {
  if (Array.isArray(v)) return v;
  throw new FleetError('docker', `${action}: the engine answered ${typeof v} where a list was expected`, {
    host,
  });
}
/** `?filters=…` as the Engine API takes it (JSON of name → values), or nothing. */
export const filterQuery = (filters?: Record<string, string[]>): string =>
  filters && Object.keys(filters).length > 0 ? `?filters=${encodeURIComponent(JSON.stringify(filters))}` : '';
export const labels = (v: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(obj(v))) out[k] = String(val);
  return out;
};

export function parseInfo(raw: unknown): EngineInfo {
  const info = obj(raw);
  const swarm = obj(info.Swarm);
  const remote = Array.isArray(swarm.RemoteManagers) ? swarm.RemoteManagers : [];
  return {
    hostname: str(info.Name),
    serverVersion: str(info.ServerVersion),
    apiVersion: '',
    os: str(info.OperatingSystem),
    arch: str(info.Architecture),
    containersRunning: num(info.ContainersRunning),
    dockerRootDir: str(info.DockerRootDir),
    swarm: {
      nodeId: str(swarm.NodeID),
      nodeAddr: str(swarm.NodeAddr),
      localNodeState: (str(swarm.LocalNodeState) || 'inactive') as LocalNodeState,
      controlAvailable: swarm.ControlAvailable === true,
      clusterId: str(obj(swarm.Cluster).ID),
      remoteManagers: remote.map((m) => str(obj(m).Addr)).filter(Boolean),
      remotePeers: remote
        .map((m) => ({ nodeId: str(obj(m).NodeID), addr: str(obj(m).Addr) }))
        .filter((p) => p.nodeId && p.addr),
      managers: num(swarm.Managers),
      nodes: num(swarm.Nodes),
      error: str(swarm.Error),
    },
  };
}

export function parseNode(raw: unknown): SwarmNode {
  const node = obj(raw);
  const spec = obj(node.Spec);
  const status = obj(node.Status);
  const description = obj(node.Description);
  const manager = node.ManagerStatus ? obj(node.ManagerStatus) : undefined;
  const role = str(spec.Role) === 'manager' ? 'manager' : 'worker';
  return {
    id: str(node.ID),
    version: num(obj(node.Version).Index),
    hostname: str(description.Hostname),
    role,
    availability: (str(spec.Availability) || 'active') as SwarmNode['availability'],
    labels: labels(spec.Labels),
    state: (str(status.State) || 'unknown') as SwarmNode['state'],
    addr: str(status.Addr),
    engineVersion: str(obj(description.Engine).EngineVersion),
    manager: manager
      ? {
          leader: manager.Leader === true,
          reachability: (str(manager.Reachability) || 'unknown') as 'unknown' | 'unreachable' | 'reachable',
          addr: str(manager.Addr),
        }
      : undefined,
    spec: {
      ...(spec as unknown as NodeSpec),
      Role: role,
      Availability: (str(spec.Availability) || 'active') as NodeSpec['Availability'],
      Labels: labels(spec.Labels),
    },
  };
}

export function parseNetwork(raw: unknown): NetworkInfo {
  const net = obj(raw);
  const ipam = obj(net.IPAM);
  const config = Array.isArray(ipam.Config) ? obj(ipam.Config[0]) : {};
  return {
    id: str(net.Id),
    name: str(net.Name),
    driver: str(net.Driver),
    scope: str(net.Scope),
    attachable: net.Attachable === true,
    subnet: str(config.Subnet) || undefined,
    gateway: str(config.Gateway) || undefined,
    labels: labels(net.Labels),
  };
}
