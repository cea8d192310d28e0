/**
 * A Docker engine reached over SSH: dockerode on top of SshDockerAgent, with the API version
 * negotiated per host (Jetson boards run Docker 20.10 = API 1.41; the lab runs a current engine).
 */
import type Dockerode from 'dockerode';
import pLimit, { type LimitFunction } from 'p-limit';
import { FleetError, isFleetError } from '../../core/errors.js';
import { withDeadline } from '../../core/poll.js';
import type { SshConnection } from '../ssh/types.js';
import { isConnectionError, toDockerError } from './errors.js';
import { SshDockerAgent, type TransportOptions } from './transport.js';
import { parseInfo, parseNetwork, parseNode } from './parse.js';
import {
  Secret,
  type DockerEngine,
  type EngineInfo,
  type NetworkInfo,
  type NetworkSpec,
  type NodeSpec,
  type SwarmInitOptions,
  type SwarmInspect,
  type SwarmJoinOptions,
  type SwarmNode,
} from './types.js';

/** The newest API version fleet is written against; older engines are spoken to in their version. */
export const CLIENT_MAX_API = '1.47';
/** Swarm mode with the fields fleet uses (node spec updates, attachable overlays). */
export const CLIENT_MIN_API = '1.25';

export function compareApi(a: string, b: string): number {
  const [amaj = 0, amin = 0] = a.split('.').map(Number);
  const [bmaj = 0, bmin = 0] = b.split('.').map(Number);
  return amaj - bmaj || amin - bmin;
}

/** min(server, client max), refusing engines older than the swarm API fleet needs. */
export function negotiateApiVersion(serverApi: string, host: string): string {
  if (!/^\d+\.\d+$/.test(serverApi)) {
    throw new FleetError('docker', `engine reported an unreadable API version "${serverApi}"`, { host });
  }
  if (compareApi(serverApi, CLIENT_MIN_API) < 0) {
    throw new FleetError(
      'docker',
      `Docker API ${serverApi} is too old (fleet needs ${CLIENT_MIN_API} or newer)`,
      {
        host,
        hint: 'upgrade Docker on this host to 17.12 or newer',
      },
    );
  }
  return compareApi(serverApi, CLIENT_MAX_API) < 0 ? serverApi : CLIENT_MAX_API;
}

/** Channels (and so requests in flight) per engine. */
const DEFAULT_CHANNELS = 4;

/**
 * Every Engine API request has a deadline: a host whose link is cut keeps its SSH connection
 * "open" until keepalives give up, and a request on it would otherwise wait for ever (issue 8: `up`
 * hung 10+ minutes on a lost leader). 30 s is far above any healthy answer (milliseconds; a manager
 * leaving the Raft group takes a few seconds).
 */
export const REQUEST_TIMEOUT_MS = 30_000;
/**
 * A join waits inside the engine until the node is part of the swarm or Docker's own 20 s join
 * timeout ("Timeout was reached before node joined") passes; leave room for that answer.
 */
export const JOIN_TIMEOUT_MS = 45_000;

export interface EngineOptions extends Partial<TransportOptions> {
  signal?: AbortSignal;
  /** Deadline of one request (default REQUEST_TIMEOUT_MS). */
  requestTimeoutMs?: number;
}

let dockerodeModule: Promise<typeof Dockerode> | undefined;
function loadDockerode(): Promise<typeof Dockerode> {
  // docker-modem logs full responses (GET /swarm carries the join tokens) when DEBUG names it.
  if (process.env.DEBUG) {
    process.env.DEBUG = process.env.DEBUG.split(/[\s,]+/)
      .filter((ns) => ns && !/^(modem|\*)$/.test(ns))
      .join(',');
  }
  dockerodeModule ??= import('dockerode').then((m) => m.default);
  return dockerodeModule;
}

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
  });
}

class RemoteEngine implements DockerEngine {
  constructor(
    private readonly docker: Dockerode,
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
    private readonly limits: { requestMs: number; connectionAlive: () => boolean },
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
  private async call<T>(
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

  info(signal?: AbortSignal): Promise<EngineInfo> {
    return this.call('GET /info', signal, async (signal) =>
      parseInfo(await this.docker.info({ abortSignal: signal } as never)),
    );
  }

  swarmInspect(signal?: AbortSignal): Promise<SwarmInspect> {
    return this.call('GET /swarm', signal, async (signal) => {
      const raw = (await this.docker.swarmInspect({ abortSignal: signal } as never)) as unknown as {
        ID: string;
        Version: { Index: number };
        Spec?: { Labels?: Record<string, string> };
        JoinTokens: { Worker: string; Manager: string };
      };
      // Secret registers them with redact before anything else can see them.
      return {
        id: raw.ID,
        version: raw.Version.Index,
        labels: { ...(raw.Spec?.Labels ?? {}) },
        tokens: { worker: new Secret(raw.JoinTokens.Worker), manager: new Secret(raw.JoinTokens.Manager) },
      };
    });
  }

  swarmInit(options: SwarmInitOptions, signal?: AbortSignal): Promise<string> {
    return this.call('POST /swarm/init', signal, async (signal) => {
      const body: Record<string, unknown> = {
        ListenAddr: options.listenAddr ?? '0.0.0.0:2377',
        AdvertiseAddr: options.advertiseAddr,
        ForceNewCluster: false,
        Spec: { Labels: options.labels ?? {} },
      };
      if (options.defaultAddrPool) body.DefaultAddrPool = options.defaultAddrPool;
      const nodeId = (await this.docker.swarmInit({ ...body, abortSignal: signal } as never)) as unknown;
      return String(nodeId);
    });
  }

  swarmJoin(options: SwarmJoinOptions, signal?: AbortSignal): Promise<void> {
    return this.call(
      'POST /swarm/join',
      signal,
      async (signal) => {
        // The token is revealed only into the request body, which goes down the SSH channel.
        await this.docker.swarmJoin({
          ListenAddr: options.listenAddr ?? '0.0.0.0:2377',
          AdvertiseAddr: options.advertiseAddr,
          RemoteAddrs: options.remoteAddrs,
          JoinToken: options.token.reveal(),
          abortSignal: signal,
        } as never);
      },
      options.timeoutMs ?? JOIN_TIMEOUT_MS,
    );
  }

  swarmLeave(force: boolean, signal?: AbortSignal): Promise<void> {
    return this.call('POST /swarm/leave', signal, async (signal) => {
      await this.docker.swarmLeave({ force, abortSignal: signal } as never);
    });
  }

  listNodes(signal?: AbortSignal): Promise<SwarmNode[]> {
    return this.call('GET /nodes', signal, async (signal) => {
      const raw = (await this.docker.listNodes({ abortSignal: signal } as never)) as unknown as unknown[];
      return raw.map(parseNode);
    });
  }

  inspectNode(id: string, signal?: AbortSignal): Promise<SwarmNode> {
    return this.call(`GET /nodes/${id}`, signal, async (signal) =>
      parseNode(await this.docker.getNode(id).inspect({ abortSignal: signal } as never)),
    );
  }

  updateNode(id: string, version: number, spec: NodeSpec, signal?: AbortSignal): Promise<void> {
    return this.call(`POST /nodes/${id}/update`, signal, async (signal) => {
      await this.docker
        .getNode(id)
        .update({ _query: { version }, _body: spec, abortSignal: signal } as never);
    });
  }

  removeNode(id: string, force: boolean, signal?: AbortSignal): Promise<void> {
    return this.call(`DELETE /nodes/${id}`, signal, async (signal) => {
      await this.docker.getNode(id).remove({ force, abortSignal: signal } as never);
    });
  }

  inspectNetwork(name: string, signal?: AbortSignal): Promise<NetworkInfo | undefined> {
    return this.call(`GET /networks/${name}`, signal, async (signal) => {
      // Filter by exact name: GET /networks/{id} also matches id prefixes.
      const list = (await this.docker.listNetworks({
        filters: { name: [name] },
        abortSignal: signal,
      } as never)) as unknown as { Name: string; Id: string }[];
      const hit = list.find((n) => n.Name === name);
      if (!hit) return undefined;
      return parseNetwork(await this.docker.getNetwork(hit.Id).inspect({ abortSignal: signal } as never));
    });
  }

  createNetwork(spec: NetworkSpec, signal?: AbortSignal): Promise<string> {
    return this.call('POST /networks/create', signal, async (signal) => {
      const ipam = spec.subnet
        ? {
            Driver: 'default',
            Config: [{ Subnet: spec.subnet, ...(spec.gateway ? { Gateway: spec.gateway } : {}) }],
          }
        : undefined;
      const net = await this.docker.createNetwork({
        Name: spec.name,
        Driver: spec.driver,
        Attachable: spec.attachable,
        Labels: spec.labels ?? {},
        ...(ipam ? { IPAM: ipam } : {}),
        abortSignal: signal,
      } as never);
      return net.id;
    });
  }

  removeNetwork(name: string, signal?: AbortSignal): Promise<void> {
    return this.call(`DELETE /networks/${name}`, signal, async (signal) => {
      await this.docker.getNetwork(name).remove({ abortSignal: signal } as never);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
