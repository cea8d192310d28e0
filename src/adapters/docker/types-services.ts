/** Engine API types of services, tasks and containers (re-exported by types.ts). */

/** Filters of GET /services and GET /tasks (`{ service: ['web'], 'desired-state': ['running'] }`). */
export type SwarmFilters = Record<string, string[]>;

/**
 * A service spec as POST /services/create takes it, limited to fields Engine API 1.41 (Docker 20.10,
 * the Jetsons) knows; anything else read from an engine is kept as it is by updates.
 */
export interface ServiceSpec {
  Name: string;
  Labels?: Record<string, string>;
  TaskTemplate: {
    ContainerSpec: {
      Image: string;
      Command?: string[];
      Args?: string[];
      Env?: string[];
      Labels?: Record<string, string>;
      Mounts?: ServiceMount[];
      [key: string]: unknown;
    };
    Resources?: { Limits?: { NanoCPUs?: number; MemoryBytes?: number }; [key: string]: unknown };
    RestartPolicy?: { Condition?: 'none' | 'on-failure' | 'any'; Delay?: number; MaxAttempts?: number };
    Placement?: { Constraints?: string[]; [key: string]: unknown };
    Networks?: { Target: string; Aliases?: string[] }[];
    ForceUpdate?: number;
    [key: string]: unknown;
  };
  Mode: { Replicated?: { Replicas: number }; Global?: Record<string, never> };
  UpdateConfig?: { Parallelism?: number; Delay?: number; FailureAction?: string; Order?: string };
  EndpointSpec?: { Ports?: ServicePort[] };
  [key: string]: unknown;
}

export interface ServicePort {
  Protocol: 'tcp' | 'udp' | 'sctp';
  TargetPort: number;
  PublishedPort?: number;
  PublishMode?: 'ingress' | 'host';
}

export interface ServiceMount {
  Type: 'bind' | 'volume' | 'tmpfs';
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
}

export interface SwarmService {
  id: string;
  version: number;
  name: string;
  image: string;
  mode: 'replicated' | 'global';
  /** Wanted replicas (replicated mode only). */
  replicas?: number;
  labels: Record<string, string>;
  ports: ServicePort[];
  createdAt: string;
  updatedAt: string;
  /** UpdateStatus: the state of the last update or rollback (updating, completed, paused, rollback_*). */
  updateState?: string;
  updateMessage?: string;
  /** Whether the engine kept a previous spec (rollback possible). */
  hasPreviousSpec: boolean;
  /** The raw spec, so an update changes only what it means to. */
  spec: ServiceSpec;
}

/** Task states in the order a task goes through them (docker's own names). */
export type TaskState =
  | 'new'
  | 'allocated'
  | 'pending'
  | 'assigned'
  | 'accepted'
  | 'preparing'
  | 'ready'
  | 'starting'
  | 'running'
  | 'complete'
  | 'shutdown'
  | 'failed'
  | 'rejected'
  | 'remove'
  | 'orphaned';

export interface SwarmTask {
  id: string;
  serviceId: string;
  /** Replicated services number their tasks 1..N; global tasks have none (one per node). */
  slot?: number;
  /** Empty while the scheduler has found no node. */
  nodeId: string;
  desiredState: TaskState;
  state: TaskState;
  /** Status.Message ("scheduler", "started") and Status.Err ("no suitable node (…)"). */
  message: string;
  err: string;
  /** When the task entered its state. */
  timestamp: string;
  createdAt: string;
  image: string;
  containerId?: string;
}

export interface ServiceLogOptions {
  follow?: boolean;
  /** Lines from the end of each task's log ("all" when absent). */
  tail?: number;
  /** Unix seconds (fractions allowed). */
  since?: number;
  timestamps?: boolean;
}

/** One line of a service's log, demultiplexed, with the task/node it came from (details=true). */
export interface LogFrame {
  stream: 'stdout' | 'stderr';
  line: string;
  taskId?: string;
  nodeId?: string;
  serviceId?: string;
}

export interface ServiceLogStream extends AsyncIterable<LogFrame> {
  /** Stops the stream (Ctrl-C); the iteration then ends. */
  close(): void;
}

export interface ServicesApi {
  listServices(filters?: SwarmFilters, signal?: AbortSignal): Promise<SwarmService[]>;
  /** undefined when no service has this id or name. */
  inspectService(idOrName: string, signal?: AbortSignal): Promise<SwarmService | undefined>;
  /** Returns the new service's id; warnings from the engine go to `warn`. */
  createService(spec: ServiceSpec, signal?: AbortSignal): Promise<{ id: string; warnings: string[] }>;
  /** `rollback` asks the engine to go back to the previous spec (the spec sent is then ignored). */
  updateService(
    id: string,
    version: number,
    spec: ServiceSpec,
    o?: { rollback?: boolean; signal?: AbortSignal },
  ): Promise<{ warnings: string[] }>;
  removeService(id: string, signal?: AbortSignal): Promise<void>;
  serviceLogs(id: string, options: ServiceLogOptions, signal?: AbortSignal): Promise<ServiceLogStream>;
}

export interface TasksApi {
  listTasks(filters?: SwarmFilters, signal?: AbortSignal): Promise<SwarmTask[]>;
}

export type SwarmObjectKind = 'networks' | 'secrets' | 'configs';

export interface SwarmObject {
  id: string;
  name: string;
}

/** The objects a stack makes besides its services, found by label (`key=value` or `key`). */
export interface StackObjectsApi {
  listLabelled(kind: SwarmObjectKind, label: string, signal?: AbortSignal): Promise<SwarmObject[]>;
  removeObject(kind: SwarmObjectKind, id: string, signal?: AbortSignal): Promise<void>;
}

/** GET /containers/json, trimmed (what `fleet ps` shows). */
export interface ContainerSummary {
  id: string;
  /** Without the leading slash. */
  name: string;
  image: string;
  state: string;
  /** Docker's own words: "Up 3 minutes", "Exited (0) 2 hours ago". */
  status: string;
  /** Unix seconds. */
  created: number;
  labels: Record<string, string>;
}

/** The parts of GET /containers/{id}/stats that CPU % and memory are computed from. */
export interface ContainerStatsSample {
  /** Nanoseconds of CPU used by the container, and by the whole host, since boot. */
  cpuTotal: number;
  systemCpu: number;
  onlineCpus: number;
  /** The previous sample the engine sends along (zero with one-shot). */
  preCpuTotal: number;
  preSystemCpu: number;
  memUsage: number;
  memLimit: number;
  /** Page cache the kernel can reclaim: inactive_file (cgroup v2) or total_inactive_file (v1). */
  memInactiveFile: number;
}

export interface ContainersApi {
  /** Running containers only, unless `all`. */
  listContainers(all: boolean, signal?: AbortSignal): Promise<ContainerSummary[]>;
  /**
   * One stats sample without streaming. `oneShot` (API 1.41+) answers at once without the previous
   * sample; without it the engine waits about a second to include one.
   */
  containerStats(id: string, oneShot: boolean, signal?: AbortSignal): Promise<ContainerStatsSample>;
  /** A container's stdout/stderr by id or name (non-TTY containers: a multiplexed stream). */
  containerLogs(id: string, options: ServiceLogOptions, signal?: AbortSignal): Promise<ServiceLogStream>;
}
