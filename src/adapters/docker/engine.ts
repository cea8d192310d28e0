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
import type { IncomingHttpHeaders } from 'node:http';
import { parseInfo } from './parse.js';
import { createRawRequester, getAnswer, getJson } from './raw-request.js';
import { SshDockerAgent, type TransportOptions } from './transport.js';
import type { DockerEngine, EngineInfo } from './types.js';
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

/**
 * What the engine's first answer says: its API version (the `Api-Version` header every answer
 * carries), its version (the `Server: Docker/<version> (<os>)` header, or /info's ServerVersion) and
 * the answer's body.
 */
interface Handshake {
  api: string;
  server: string;
  body: unknown;
}

const serverHeader = (h: IncomingHttpHeaders): string =>
  /^Docker\/(\S+)/.exec(String(h.server ?? ''))?.[1] ?? '';

/**
 * The first request, unversioned: an engine answers it in its own (newest) API version and names
 * that version in the `Api-Version` header, so no separate GET /version is needed. That matters for
 * `fleet status` on many hosts: dockerd answers /version (and /info) by running `runc --version`
 * and `docker-init --version` (~10 ms of the host's CPU each time, Docker 20.10), /_ping costs
 * ~0.6 ms. An engine without the header (none fleet supports, API >= 1.25 sends it) is asked
 * GET /version.
 */
async function handshake(agent: SshDockerAgent, path: string, signal: AbortSignal): Promise<Handshake> {
  const first = await getAnswer(agent, path, signal);
  const api = first.headers['api-version'];
  const fromBody = (first.json as { ServerVersion?: unknown } | undefined)?.ServerVersion;
  const server = typeof fromBody === 'string' ? fromBody : serverHeader(first.headers);
  if (typeof api === 'string' && api && server) return { api, server, body: first.json };
  const v = (await getJson(agent, '/version', signal)) as { ApiVersion?: unknown; Version?: unknown };
  return { api: String(v?.ApiVersion ?? ''), server: String(v?.Version ?? ''), body: first.json };
}

/** Connects to the engine on `conn`'s host: picks the transport and negotiates the API version. */
export async function createDockerEngine(
  conn: SshConnection,
  options: EngineOptions = {},
): Promise<DockerEngine> {
  return (await openEngine(conn, options, '/_ping')).engine;
}

/**
 * createDockerEngine whose handshake is GET /info (unversioned, parsed): for a caller that reads
 * /info first anyway (`fleet status` on every host), one request instead of two.
 */
export async function createDockerEngineWithInfo(
  conn: SshConnection,
  options: EngineOptions = {},
): Promise<{ engine: DockerEngine; info: EngineInfo }> {
  const { engine, body } = await openEngine(conn, options, '/info');
  try {
    return { engine, info: parseInfo(body) };
  } catch (err) {
    engine.close();
    throw err;
  }
}

async function openEngine(
  conn: SshConnection,
  options: EngineOptions,
  firstPath: string,
): Promise<{ engine: DockerEngine; body: unknown }> {
  const host = conn.host.id;
  const maxSockets = options.maxSockets ?? DEFAULT_CHANNELS;
  const agent = new SshDockerAgent(conn, {
    socketPath: options.socketPath ?? '/var/run/docker.sock',
    sudoPassword: options.sudoPassword,
    maxSockets,
  });

  const requestMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const askVersion = () =>
    withDeadline(`GET ${firstPath}`, requestMs, options.signal, (signal) =>
      handshake(agent, firstPath, signal),
    );
  let version: Handshake;
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
    if (!isConnectionError(socketErr)) {
      agent.destroy();
      throw toDockerError(socketErr, host, `GET ${firstPath}`);
    }
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
  let apiVersion: string;
  try {
    apiVersion = negotiateApiVersion(version.api, host);
  } catch (err) {
    agent.destroy();
    throw err;
  }
  const engine = new RemoteEngine(agent, host, apiVersion, version.server, pLimit(maxSockets), {
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
  return { engine, body: version.body };
}
