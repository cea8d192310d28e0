/**
 * Raw Engine API requests over the SSH transport, beside dockerode on purpose: `unlock` and
 * `initForceNewCluster` must stop waiting for an answer that may never come (a restored manager
 * without quorum never answers POST /swarm/unlock), which dockerode cannot. A requester has its own
 * agent with one channel; the unlock key only ever travels inside a request or response body.
 * `engineRequest` is also how the engine itself sends the plain GETs `fleet status` needs (_ping,
 * info, nodes, services, tasks) on its own channels, so that path never loads dockerode.
 */
import http from 'node:http';
import { FleetError } from '../../core/errors.js';
import { redact } from '../../core/redact.js';
import type { SshConnection } from '../ssh/types.js';
import { SshDockerAgent, type DockerTransportKind } from './transport.js';

/** What `request` resolves to when `timeoutMs` passed without an answer. */
export const NO_ANSWER = Symbol('no answer');

export interface RawRequester {
  readonly host: string;
  /**
   * One request to `/v{apiVersion}{path}`. A 404 resolves undefined when `allow404`; any other
   * status ≥ 400 is a FleetError 'docker' with the engine's message (redacted). With `timeoutMs`,
   * no answer in time resolves NO_ANSWER (the request is dropped).
   */
  request(
    method: string,
    path: string,
    body?: unknown,
    allow404?: boolean,
    timeoutMs?: number,
  ): Promise<unknown>;
  close(): void;
}

export interface RawRequesterOptions {
  apiVersion: string;
  /** The transport the engine negotiated (socket or docker CLI dial-stdio). */
  transport: DockerTransportKind;
  socketPath?: string;
  sudoPassword?: string;
}

export interface EngineAnswer {
  status: number;
  json: unknown;
  headers: http.IncomingHttpHeaders;
}

/**
 * One HTTP request to the engine over `agent`'s channels, the answer's body parsed as JSON when it is
 * JSON (plain-text error bodies stay text). With `timeoutMs`, no answer in time resolves 'no-answer'
 * (SSH channels have no socket timeouts); `signal` aborts it (the http module's AbortError).
 */
export function engineRequest(
  agent: http.Agent,
  o: { method: string; path: string; body?: unknown; timeoutMs?: number; signal?: AbortSignal },
): Promise<EngineAnswer | 'no-answer'> {
  const payload = o.body === undefined ? undefined : Buffer.from(JSON.stringify(o.body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: 'docker',
        method: o.method,
        path: o.path,
        signal: o.signal,
        headers: {
          Host: 'docker',
          ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown = text;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            // Plain-text error bodies stay text.
          }
          resolve({ status: res.statusCode ?? 0, json, headers: res.headers });
        });
      },
    );
    let gaveUp = false;
    req.on('error', (err) => (gaveUp ? resolve('no-answer') : reject(err)));
    if (o.timeoutMs !== undefined) {
      const timer = setTimeout(() => {
        gaveUp = true;
        req.destroy();
        resolve('no-answer');
      }, o.timeoutMs);
      req.on('close', () => clearTimeout(timer));
    }
    req.end(payload);
  });
}

/** An engine error answer shaped like docker-modem's, so toDockerError words both the same way. */
function httpError(status: number, json: unknown): Error {
  const text = typeof json === 'string' ? json : '';
  return Object.assign(new Error(`(HTTP code ${status}) ${text}`.trim()), { statusCode: status, json });
}

/**
 * A GET over `agent`'s channels (no dockerode), its JSON answer or a modem-shaped error. The
 * plain reads (_ping, info, nodes, services, tasks) go this way: `fleet status` then never loads
 * dockerode (0.3-0.9 s of module loading).
 */
export async function getJson(agent: http.Agent, path: string, signal: AbortSignal): Promise<unknown> {
  return (await getAnswer(agent, path, signal)).json;
}

/** getJson with the answer's headers (every engine answer names its API version in `Api-Version`). */
export async function getAnswer(agent: http.Agent, path: string, signal: AbortSignal): Promise<EngineAnswer> {
  const res = await engineRequest(agent, { method: 'GET', path, signal });
  if (res === 'no-answer') throw new Error(`GET ${path}: no answer`);
  if (res.status >= 400) throw httpError(res.status, res.json);
  return res;
}

export function createRawRequester(conn: SshConnection, options: RawRequesterOptions): RawRequester {
  // A factory: the requester's methods (request, close) share one lazily opened channel through the
  // closure.
  const agent = new SshDockerAgent(conn, {
    socketPath: options.socketPath ?? '/var/run/docker.sock',
    sudoPassword: options.sudoPassword,
    maxSockets: 1,
  });
  agent.kind = options.transport;
  const host = conn.host.id;

  async function request(
    method: string,
    path: string,
    body?: unknown,
    allow404 = false,
    timeoutMs?: number,
  ): Promise<unknown> {
    let res: EngineAnswer | 'no-answer';
    try {
      res = await engineRequest(agent, { method, path: `/v${options.apiVersion}${path}`, body, timeoutMs });
    } catch (err) {
      throw new FleetError('docker', redact(`${method} ${path}: ${(err as Error).message}`), {
        host,
        hint: 'check that dockerd is running on the host (systemctl status docker)',
      });
    }
    if (res === 'no-answer') return NO_ANSWER;
    if (res.status === 404 && allow404) return undefined;
    if (res.status >= 400) {
      const message =
        typeof res.json === 'object' && res.json && 'message' in res.json
          ? String((res.json as { message: unknown }).message)
          : String(res.json ?? '');
      // The engine never echoes the unlock key, but redact anyway: this text can reach a report.
      throw new FleetError('docker', redact(`${method} ${path}: ${message.trim()} (HTTP ${res.status})`), {
        host,
      });
    }
    return res.json;
  }

  return {
    host,
    request,
    close() {
      agent.destroy();
    },
  };
}
