/**
 * The engine object createDockerEngine returns: the one `call` (and `get`) every request goes
 * through, and the resource requests (system, swarm, nodes, networks, volumes, services, tasks,
 * containers) bound to it. dockerode is loaded on the first request that needs it.
 */
import type Dockerode from 'dockerode';
import type { LimitFunction } from 'p-limit';
import { FleetError } from '../../core/errors.js';
import { withDeadline } from '../../core/poll.js';
import type { EngineApi } from './engine-api.js';
import { toDockerError } from './errors.js';
import * as cleanup from './cleanup.js';
import * as containers from './containers.js';
import { loadDockerode } from './dockerode-loader.js';
import * as networks from './networks.js';
import * as nodes from './nodes.js';
import { getJson, type RawRequester } from './raw-request.js';
import * as services from './services.js';
import * as swarm from './swarm.js';
import * as swarmObjects from './swarm-objects.js';
import * as system from './system.js';
import * as tasks from './tasks.js';
import type { SshDockerAgent } from './transport.js';
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

/**
 * The engine: the one `call` every dockerode request goes through, and the resource requests
 * (system, swarm, nodes, networks, volumes, services, tasks, containers) bound to it.
 */
export class RemoteEngine implements DockerEngine, EngineApi {
  #raw: RawRequester | undefined;
  #docker: Dockerode | undefined;

  constructor(
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

  /** dockerode on this engine's agent; `call` loads it before running its request. */
  get docker(): Dockerode {
    if (!this.#docker) throw new FleetError('internal', 'dockerode used outside EngineApi.call');
    return this.#docker;
  }

  /** Loads dockerode on first use (outside any request's deadline) and binds it to this agent. */
  private async dockerode(): Promise<Dockerode> {
    if (this.#docker) return this.#docker;
    const Docker = await loadDockerode();
    // host/port only name the pool entry: the agent supplies the socket, nothing resolves "docker".
    this.#docker ??= new Docker({
      host: 'docker',
      port: 80,
      protocol: 'http',
      agent: this.agent,
      pathPrefix: '/',
      version: `v${this.apiVersion}`,
    } as never);
    (this.#docker.modem as unknown as { version: string }).version = `v${this.apiVersion}`;
    return this.#docker;
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
    await this.dockerode();
    return this.send(action, signal, fn, timeoutMs);
  }

  /** GET /v{api}{path} without dockerode, with everything `call` gives a request. */
  get(path: string, signal?: AbortSignal): Promise<unknown> {
    return this.send(`GET ${path.replace(/\?.*$/, '')}`, signal, (s) =>
      getJson(this.agent, `/v${this.apiVersion}${path}`, s),
    );
  }

  private async send<T>(
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
