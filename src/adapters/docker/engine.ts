/**
 * A Docker engine reached over SSH: SshDockerAgent's channels (the engine socket, or docker system
 * dial-stdio), with the API version negotiated per host (Jetson boards run Docker 20.10 = API 1.41;
 * the lab runs a current engine). The engine itself (requests, resources) is remote-engine.ts;
 * plain reads go without dockerode, which is loaded only for the first request that needs it.
 */
import pLimit from 'p-limit';
import { FleetError, isFleetError } from '../../core/errors.js';
import { withDeadline } from '../../core/poll.js';
import type { SshConnection } from '../ssh/types.js';
import { isConnectionError, toDockerError } from './errors.js';
import { createRawRequester, getJson } from './raw-request.js';
import { SshDockerAgent, type TransportOptions } from './transport.js';
import type { DockerEngine } from './types.js';
import { RemoteEngine } from './remote-engine.js';

export { JOIN_TIMEOUT_MS } from './swarm.js';

// The API version negotiation lives in api-version.ts; re-exported for the engine's callers and tests.
export { CLIENT_MAX_API, CLIENT_MIN_API, compareApi, negotiateApiVersion } from './api-version.js';
import { negotiateApiVersion } from './api-version.js';

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
  const host = conn.host.id;
  const maxSockets = options.maxSockets ?? DEFAULT_CHANNELS;
  const agent = new SshDockerAgent(conn, {
    socketPath: options.socketPath ?? '/var/run/docker.sock',
    sudoPassword: options.sudoPassword,
    maxSockets,
  });

  const requestMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const askVersion = () =>
    withDeadline('GET /version', requestMs, options.signal, async (signal) => {
      const v = (await getJson(agent, '/version', signal)) as { ApiVersion?: unknown; Version?: unknown };
      return { ApiVersion: String(v?.ApiVersion ?? ''), Version: String(v?.Version ?? '') };
    });
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
  return new RemoteEngine(agent, host, apiVersion, version.Version, pLimit(maxSockets), {
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
