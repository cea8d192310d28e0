/**
 * What the swarm pipeline needs from a Docker engine, in Docker's own field names where they are
 * shown to users (node ls), trimmed to the fields fleet reads.
 */
import { inspect } from 'node:util';
import type { CleanupApi } from '../../core/disk-usage.js';
import { registerSecret } from '../../core/redact.js';

/**
 * A secret held in memory only. Printing, logging or serialising it yields `[redacted]`; only
 * `reveal()` (called while building an API request body) gives the value.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
    registerSecret(value);
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return '[redacted]';
  }
  toJSON(): string {
    return '[redacted]';
  }
  [inspect.custom](): string {
    return '[redacted]';
  }
}

export type LocalNodeState = 'inactive' | 'pending' | 'active' | 'error' | 'locked';

/** GET /info, the Swarm part: what this engine thinks of its own membership. */
export interface EngineSwarmState {
  nodeId: string;
  nodeAddr: string;
  localNodeState: LocalNodeState;
  /** True when this engine is a manager (control plane available). */
  controlAvailable: boolean;
  clusterId: string;
  /** Managers this node knows, as `addr:port`. */
  remoteManagers: string[];
  /** The same with their node ids (on a manager: the Raft members it knows, itself included). */
  remotePeers?: { nodeId: string; addr: string }[];
  managers: number;
  nodes: number;
  error: string;
}

export interface EngineInfo {
  hostname: string;
  serverVersion: string;
  apiVersion: string;
  os: string;
  arch: string;
  /** Containers running on this engine (`docker ps` would list them). */
  containersRunning: number;
  /** Where the engine keeps its data (the disk a manager's Raft log lives on). */
  dockerRootDir: string;
  swarm: EngineSwarmState;
}

export interface SwarmNode {
  id: string;
  version: number;
  hostname: string;
  role: 'manager' | 'worker';
  availability: 'active' | 'pause' | 'drain';
  labels: Record<string, string>;
  state: 'unknown' | 'down' | 'ready' | 'disconnected';
  addr: string;
  engineVersion: string;
  manager?: { leader: boolean; reachability: 'unknown' | 'unreachable' | 'reachable'; addr: string };
  /** The raw spec, needed to update a node without dropping fields fleet doesn't manage. */
  spec: NodeSpec;
}

export interface NodeSpec {
  Name?: string;
  Labels?: Record<string, string>;
  Role: 'manager' | 'worker';
  Availability: 'active' | 'pause' | 'drain';
}

export interface JoinTokens {
  worker: Secret;
  manager: Secret;
}

export interface SwarmInspect {
  id: string;
  version: number;
  /** Spec.Labels: fleet marks the swarms it creates (see swarm/observe.ts). */
  labels: Record<string, string>;
  tokens: JoinTokens;
}

export interface NetworkSpec {
  name: string;
  driver: string;
  subnet?: string;
  gateway?: string;
  attachable: boolean;
  labels?: Record<string, string>;
}

export interface NetworkInfo extends NetworkSpec {
  id: string;
  scope: string;
}

export interface SwarmInitOptions {
  advertiseAddr: string;
  listenAddr?: string;
  /** Address pools for overlay networks created without an explicit subnet. */
  defaultAddrPool?: string[];
  /** Swarm spec labels. */
  labels?: Record<string, string>;
}

export interface SwarmJoinOptions {
  remoteAddrs: string[];
  token: Secret;
  advertiseAddr: string;
  listenAddr?: string;
  /** Deadline of the join request (default JOIN_TIMEOUT_MS). */
  timeoutMs?: number;
}

/** GET /info. */
export interface SystemApi {
  info(signal?: AbortSignal): Promise<EngineInfo>;
}

export interface SwarmApi {
  /** Only on managers. Registers the join tokens as secrets the moment they are read. */
  swarmInspect(signal?: AbortSignal): Promise<SwarmInspect>;
  swarmInit(options: SwarmInitOptions, signal?: AbortSignal): Promise<string>;
  swarmJoin(options: SwarmJoinOptions, signal?: AbortSignal): Promise<void>;
  swarmLeave(force: boolean, signal?: AbortSignal): Promise<void>;
  /** GET /swarm: whether autolock is on (managers only). */
  autolock(): Promise<boolean>;
  /** GET /swarm/unlockkey; undefined when autolock is off. */
  unlockKey(): Promise<Secret | undefined>;
  /**
   * POST /swarm/unlock (a manager restarted with autolock on comes up locked). The engine answers only
   * once the node has started, which never happens while a restored manager lacks quorum: a wrong key
   * fails at once, so after `waitMs` without an answer this resolves false and the caller decides.
   */
  unlock(key: Secret, waitMs?: number): Promise<boolean>;
  /** POST /swarm/init with ForceNewCluster: the disaster-recovery step. */
  initForceNewCluster(advertiseAddr: string, waitMs: number): Promise<string>;
}

export interface NodesApi {
  listNodes(signal?: AbortSignal): Promise<SwarmNode[]>;
  inspectNode(id: string, signal?: AbortSignal): Promise<SwarmNode>;
  updateNode(id: string, version: number, spec: NodeSpec, signal?: AbortSignal): Promise<void>;
  removeNode(id: string, force: boolean, signal?: AbortSignal): Promise<void>;
}

export interface NetworksApi {
  inspectNetwork(name: string, signal?: AbortSignal): Promise<NetworkInfo | undefined>;
  createNetwork(spec: NetworkSpec, signal?: AbortSignal): Promise<string>;
  removeNetwork(name: string, signal?: AbortSignal): Promise<void>;
}

export interface VolumesApi {
  /** GET /volumes/{name}: its Mountpoint, or undefined when the volume does not exist. */
  volumeMountpoint(name: string): Promise<string | undefined>;
  /** POST /volumes/create (restore into a host where the volume is gone); returns its mountpoint. */
  createVolume(name: string): Promise<string>;
}

// Services, tasks and containers (fleet service, status, ps) have their own file; re-exported here so
// every Docker type is imported from one place.
export * from './types-services.js';
import type { ContainersApi, ServicesApi, StackObjectsApi, TasksApi } from './types-services.js';

/** One engine, all resources: what createDockerEngine (engine.ts) returns. */
export interface DockerEngine
  extends
    SystemApi,
    SwarmApi,
    NodesApi,
    NetworksApi,
    VolumesApi,
    ServicesApi,
    TasksApi,
    StackObjectsApi,
    ContainersApi,
    CleanupApi {
  readonly host: string;
  readonly apiVersion: string;
  readonly serverVersion: string;
  readonly transport: 'socket' | 'dial-stdio';
  /**
   * Closes the one-channel agent the raw requests (unlock, force-new-cluster, volumes) opened, so a
   * long-lived engine does not hold an SSH channel it no longer needs; the next raw request reopens it.
   */
  closeRaw(): void;
  /** Closes the pooled channels (the SSH connection itself belongs to the pool). */
  close(): void;
}
