/**
 * A Docker engine reached over SSH: dockerode on top of SshDockerAgent, with the API version
 * negotiated per host (Jetson boards run Docker 20.10 = API 1.41; the lab runs a current engine).
 */
import type Dockerode from 'dockerode';
import pLimit, { type LimitFunction } from 'p-limit';
import { FleetError, isFleetError } from '../../core/errors.js';
import { withDeadline } from '../../core/poll.js';
import type { SshConnection } from '../ssh/types.js';
import type { EngineApi } from './engine-api.js';
import { isConnectionError, toDockerError } from './errors.js';
import * as cleanup from './cleanup.js';
import * as containers from './containers.js';
import * as networks from './networks.js';
import * as nodes from './nodes.js';
import { createRawRequester, type RawRequester } from './raw-request.js';
import * as services from './services.js';
import * as swarm from './swarm.js';
import * as swarmObjects from './swarm-objects.js';
import * as system from './system.js';
import * as tasks from './tasks.js';
import { SshDockerAgent, type TransportOptions } from './transport.js';
import type {
  ContainerStatsSample,
  ContainerSummary,
  DockerEngine,
  EngineInfo,
  NetworkInfo,
  NetworkSpec,
  NodeSpec,
  Secret,
  ServiceLogOptions,
  ServiceLogStream,
  ServiceSpec,
  SwarmFilters,
  SwarmInitOptions,
  SwarmInspect,
  SwarmJoinOptions,
  SwarmNode,
  SwarmObject,
  SwarmObjectKind,
  SwarmService,
  SwarmTask,
} from './types.js';
import type { DiskUsage } from '../../core/disk-usage.js';
import * as volumes from './volumes.js';

export { JOIN_TIMEOUT_MS } from './swarm.js';

// The API version negotiation lives in api-version.ts; re-exported for the engine's callers and tests.
export { CLIENT_MAX_API, CLIENT_MIN_API, compareApi, negotiateApiVersion } from './api-version.js';
import { negotiateApiVersion } from './api-version.js';
import { loadDockerode } from './dockerode-loader.js';

/** Channels (and so requests in flight) per engine. */
const DEFAULT_CHANNELS = 4;

/**
 * Every Engine API request has a deadline: a host whose link is cut keeps its SSH connection
 * "open" until keepalives give up, and a request on it would otherwise wait for ever (issue 8: `up`
 * hung 10+ minutes on a lost leader). 30 s is far above any healthy answer (milliseconds; a manager
 * leaving the Raft group takes a few seconds).
 */
export const REQUEST_TIMEOUT_MS = 30_000;
export interface EngineOptions extends Partial<TransportOptions> {
  signal?: AbortSignal;
  /** Deadline of one request (default REQUEST_TIMEOUT_MS). */
  requestTimeoutMs?: number;
}

export { preloadDockerClient } from './dockerode-loader.js';

/** Connects to the engine on `conn`'s host: picks the transport and negotiates the API version. */
export async function createDockerEngine(
  conn: SshConnection,
  options: EngineOptions = {},
): Promise<DockerEngine> {
  const Docker = await loadDockerode();
  const host = conn.host.id;
  const maxSockets = options.maxSockets ?? DEFAULT_CHANNELS;
  const agent = new SshDockerAgent(conn, {
    socketPath: options.socketPath ?? '/var/run/docker.sock',
    sudoPassword: options.sudoPassword,
    maxSockets,
  });
  // host/port only name the pool entry: the agent supplies the socket, nothing resolves "docker".
  const docker = new Docker({ host: 'docker', port: 80, protocol: 'http', agent, pathPrefix: '/' } as never);

  const requestMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const askVersion = () =>
    withDeadline(
      'GET /version',
      requestMs,
      options.signal,
      (signal) =>
        docker.version({ abortSignal: signal } as never) as unknown as Promise<{
          ApiVersion: string;
          Version: string;
        }>,
    );
  let version: { ApiVersion: string; Version: string };
  try {
    version = await askVersion();
  } catch (socketErr) {
    if (isFleetError(socketErr) && socketErr.code === 'timeout') {
      agent.destroy();
      throw new FleetError('timeout', `Docker engine did not answer within ${requestMs / 1000}s`, {
        host,
        hint: 'check the host and its link, and dockerd (systemctl status docker)',
      });
    }
    if (!isConnectionError(socketErr)) throw toDockerError(socketErr, host, 'GET /version');
    // The socket is closed to this user (or sshd forbids stream-local forwarding): ask the docker CLI.
    agent.destroy();
    agent.kind = 'dial-stdio';
    try {
      version = await askVersion();
    } catch (stdioErr) {
      agent.destroy();
      const first = socketErr instanceof Error ? socketErr.message : String(socketErr);
      const second = stdioErr instanceof Error ? stdioErr.message : String(stdioErr);
      throw new FleetError(
        'docker',
        `Docker engine not reachable (socket: ${first}; dial-stdio: ${second})`,
        {
          host,
          hint: 'is dockerd running (systemctl status docker), and may this user use it (docker group or sudo)?',
        },
      );
    }
  }
  const apiVersion = negotiateApiVersion(version.ApiVersion, host);
  (docker.modem as unknown as { version: string }).version = `v${apiVersion}`;
  return new RemoteEngine(docker, agent, host, apiVersion, version.Version, pLimit(maxSockets), {
    requestMs,
    connectionAlive: () => !conn.isClosed?.(),
    openRaw: () =>
      createRawRequester(conn, {
        apiVersion,
        transport: agent.kind,
        socketPath: options.socketPath,
        sudoPassword: options.sudoPassword,
      }),
  });
}

/**
 * The engine: the one `call` every dockerode request goes through, and the resource requests
 * (system, swarm, nodes, networks, volumes, services, tasks, containers) bound to it.
 */
class RemoteEngine implements DockerEngine, EngineApi {
  #raw: RawRequester | undefined;

  constructor(
    readonly docker: Dockerode,
    private readonly agent: SshDockerAgent,
    readonly host: string,
    readonly apiVersion: string,
    readonly serverVersion: string,
    /**
     * Requests in flight, capped at the agent's channel count. Node's http.Agent counts a socket
     * only once an asynchronous createConnection has delivered it, so without this cap every
     * concurrent request opened its own SSH channel (and tore it down after).
     */
    private readonly inFlight: LimitFunction,
    private readonly limits: {
      requestMs: number;
      connectionAlive: () => boolean;
      openRaw: () => RawRequester;
    },
  ) {}

  get transport(): 'socket' | 'dial-stdio' {
    return this.agent.kind;
  }

  /**
   * One request: queued behind the channel cap, then given its deadline (the request is aborted
   * and its channel dropped when it passes) and `signal` (Ctrl-C). A channel the engine's socket
   * refuses while the SSH connection lives means dockerd is gone: a Docker failure, not an
   * unreachable host.
   */
  async call<T>(
    action: string,
    signal: AbortSignal | undefined,
    fn: (signal: AbortSignal) => Promise<T>,
    timeoutMs = this.limits.requestMs,
  ): Promise<T> {
    try {
      return await this.inFlight(() => withDeadline(action, timeoutMs, signal, fn, this.host));
    } catch (err) {
      const error = toDockerError(err, this.host, action);
      if (error.code === 'connect' && this.limits.connectionAlive()) {
        return Promise.reject(
          new FleetError('docker', `${action}: the Docker engine stopped answering (${error.message})`, {
            host: this.host,
            retryable: true,
            hint: 'check dockerd on the host (systemctl status docker)',
          }),
        );
      }
      throw error;
    }
  }

  /** Raw requests (unlock, force-new-cluster, volumes) get their own one-channel agent, opened on first use. */
  raw(): RawRequester {
    this.#raw ??= this.limits.openRaw();
    return this.#raw;
  }

  info(signal?: AbortSignal): Promise<EngineInfo> {
    return system.info(this, signal);
  }

  swarmInspect(signal?: AbortSignal): Promise<SwarmInspect> {
    return swarm.swarmInspect(this, signal);
  }
  swarmInit(options: SwarmInitOptions, signal?: AbortSignal): Promise<string> {
    return swarm.swarmInit(this, options, signal);
  }
  swarmJoin(options: SwarmJoinOptions, signal?: AbortSignal): Promise<void> {
    return swarm.swarmJoin(this, options, signal);
  }
  swarmLeave(force: boolean, signal?: AbortSignal): Promise<void> {
    return swarm.swarmLeave(this, force, signal);
  }
  autolock(): Promise<boolean> {
    return swarm.autolock(this.raw());
  }
  unlockKey(): Promise<Secret | undefined> {
    return swarm.unlockKey(this.raw());
  }
  unlock(key: Secret, waitMs?: number): Promise<boolean> {
    return swarm.unlock(this.raw(), key, waitMs);
  }
  initForceNewCluster(advertiseAddr: string, waitMs: number): Promise<string> {
    return swarm.initForceNewCluster(this.raw(), advertiseAddr, waitMs);
  }

  listNodes(signal?: AbortSignal): Promise<SwarmNode[]> {
    return nodes.listNodes(this, signal);
  }
  inspectNode(id: string, signal?: AbortSignal): Promise<SwarmNode> {
    return nodes.inspectNode(this, id, signal);
  }
  updateNode(id: string, version: number, spec: NodeSpec, signal?: AbortSignal): Promise<void> {
    return nodes.updateNode(this, id, version, spec, signal);
  }
  removeNode(id: string, force: boolean, signal?: AbortSignal): Promise<void> {
    return nodes.removeNode(this, id, force, signal);
  }

  listServices(filters?: SwarmFilters, signal?: AbortSignal): Promise<SwarmService[]> {
    return services.listServices(this, filters, signal);
  }
  inspectService(idOrName: string, signal?: AbortSignal): Promise<SwarmService | undefined> {
    return services.inspectService(this, idOrName, signal);
  }
  createService(spec: ServiceSpec, signal?: AbortSignal): Promise<{ id: string; warnings: string[] }> {
    return services.createService(this, spec, signal);
  }
  updateService(
    id: string,
    version: number,
    spec: ServiceSpec,
    o?: { rollback?: boolean; signal?: AbortSignal },
  ): Promise<{ warnings: string[] }> {
    return services.updateService(this, id, version, spec, o);
  }
  removeService(id: string, signal?: AbortSignal): Promise<void> {
    return services.removeService(this, id, signal);
  }
  serviceLogs(id: string, options: ServiceLogOptions, signal?: AbortSignal): Promise<ServiceLogStream> {
    return services.serviceLogs(this, id, options, signal);
  }
  listTasks(filters?: SwarmFilters, signal?: AbortSignal): Promise<SwarmTask[]> {
    return tasks.listTasks(this, filters, signal);
  }

  listLabelled(kind: SwarmObjectKind, label: string, signal?: AbortSignal): Promise<SwarmObject[]> {
    return swarmObjects.listLabelled(this, kind, label, signal);
  }
  removeObject(kind: SwarmObjectKind, id: string, signal?: AbortSignal): Promise<void> {
    return swarmObjects.removeObject(this, kind, id, signal);
  }

  inspectNetwork(name: string, signal?: AbortSignal): Promise<NetworkInfo | undefined> {
    return networks.inspectNetwork(this, name, signal);
  }
  createNetwork(spec: NetworkSpec, signal?: AbortSignal): Promise<string> {
    return networks.createNetwork(this, spec, signal);
  }
  removeNetwork(name: string, signal?: AbortSignal): Promise<void> {
    return networks.removeNetwork(this, name, signal);
  }

  volumeMountpoint(name: string): Promise<string | undefined> {
    return volumes.volumeMountpoint(this.raw(), name);
  }
  createVolume(name: string): Promise<string> {
    return volumes.createVolume(this.raw(), name);
  }

  closeRaw(): void {
    this.#raw?.close();
    this.#raw = undefined;
  }

  listContainers(all: boolean, signal?: AbortSignal): Promise<ContainerSummary[]> {
    return containers.listContainers(this, all, signal);
  }
  containerStats(id: string, oneShot: boolean, signal?: AbortSignal): Promise<ContainerStatsSample> {
    return containers.containerStats(this, id, oneShot, signal);
  }
  containerLogs(id: string, options: ServiceLogOptions, signal?: AbortSignal): Promise<ServiceLogStream> {
    return containers.containerLogs(this, id, options, signal);
  }

  // fleet clean
  diskUsage(signal?: AbortSignal): Promise<DiskUsage> {
    return cleanup.diskUsage(this, signal);
  }
  stopContainer(id: string, signal?: AbortSignal): Promise<void> {
    return cleanup.stopContainer(this, id, signal);
  }
  removeContainer(id: string, signal?: AbortSignal): Promise<void> {
    return cleanup.removeContainer(this, id, signal);
  }
  removeImage(id: string, signal?: AbortSignal): Promise<void> {
    return cleanup.removeImage(this, id, signal);
  }
  removeVolume(name: string, signal?: AbortSignal): Promise<void> {
    return cleanup.removeVolume(this, name, signal);
  }
  pruneBuildCache(signal?: AbortSignal): Promise<number> {
    return cleanup.pruneBuildCache(this, signal);
  }

  close(): void {
    this.#raw?.close();
    this.agent.destroy();
  }
}
