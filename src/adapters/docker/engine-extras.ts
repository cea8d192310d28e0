/**
 * The few Engine API calls backups need beyond src/adapters/docker's DockerEngine: autolock state,
 * the unlock key, unlocking, `swarm init --force-new-cluster`, volume mountpoints. They ride the same
 * SSH transport (SshDockerAgent); the unlock key only ever travels inside a response or request body.
 */
import http from 'node:http';
import { SshDockerAgent } from './transport.js';
import { Secret, type DockerEngine } from './types.js';
import type { SshConnection } from '../ssh/types.js';
import { FleetError } from '../../core/errors.js';
import { redact } from '../../core/redact.js';

export interface EngineExtras {
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
  /** GET /volumes/{name}: its Mountpoint, or undefined when the volume does not exist. */
  volumeMountpoint(name: string): Promise<string | undefined>;
  /** POST /volumes/create (restore into a host where the volume is gone). */
  createVolume(name: string): Promise<string>;
  close(): void;
}

const NO_ANSWER = Symbol('no answer');

export function createEngineExtras(
  conn: SshConnection,
  engine: DockerEngine,
  sudoPassword?: string,
): EngineExtras {
  const agent = new SshDockerAgent(conn, { socketPath: '/var/run/docker.sock', sudoPassword, maxSockets: 1 });
  agent.kind = engine.transport;
  const host = conn.host.id;

  function call(
    method: string,
    path: string,
    body?: unknown,
    timeoutMs?: number,
  ): Promise<{ status: number; json: unknown } | 'no-answer'> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          agent,
          host: 'docker',
          method,
          path: `/v${engine.apiVersion}${path}`,
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
            resolve({ status: res.statusCode ?? 0, json });
          });
        },
      );
      let gaveUp = false;
      req.on('error', (err) => (gaveUp ? resolve('no-answer') : reject(err)));
      if (timeoutMs !== undefined) {
        // SSH channels have no socket timeouts; give up on the answer ourselves.
        const timer = setTimeout(() => {
          gaveUp = true;
          req.destroy();
          resolve('no-answer');
        }, timeoutMs);
        req.on('close', () => clearTimeout(timer));
      }
      req.end(payload);
    });
  }

  async function request(
    method: string,
    path: string,
    body?: unknown,
    allow404 = false,
    timeoutMs?: number,
  ): Promise<unknown> {
    let res: { status: number; json: unknown } | 'no-answer';
    try {
      res = await call(method, path, body, timeoutMs);
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
    async autolock() {
      const swarm = (await request('GET', '/swarm')) as {
        Spec?: { EncryptionConfig?: { AutoLockManagers?: boolean } };
      };
      return swarm?.Spec?.EncryptionConfig?.AutoLockManagers === true;
    },
    async unlockKey() {
      const out = (await request('GET', '/swarm/unlockkey')) as { UnlockKey?: string } | undefined;
      return out?.UnlockKey ? new Secret(out.UnlockKey) : undefined;
    },
    async unlock(key, waitMs = 30_000) {
      const out = await request('POST', '/swarm/unlock', { UnlockKey: key.reveal() }, false, waitMs);
      return out !== NO_ANSWER;
    },
    async initForceNewCluster(advertiseAddr, waitMs) {
      const body = { ListenAddr: '0.0.0.0:2377', AdvertiseAddr: advertiseAddr, ForceNewCluster: true };
      const out = await request('POST', '/swarm/init', body, false, waitMs);
      if (out === NO_ANSWER) {
        throw new FleetError(
          'docker',
          `swarm init --force-new-cluster did not answer within ${Math.round(waitMs / 1000)}s`,
          {
            host,
            hint: 'see `docker info` and the Docker log on the host',
          },
        );
      }
      return String(out ?? '');
    },
    async volumeMountpoint(name) {
      const out = (await request('GET', `/volumes/${encodeURIComponent(name)}`, undefined, true)) as
        { Mountpoint?: string } | undefined;
      return out?.Mountpoint || undefined;
    },
    async createVolume(name) {
      const out = (await request('POST', '/volumes/create', { Name: name })) as { Mountpoint?: string };
      if (!out?.Mountpoint)
        throw new FleetError('docker', `created volume ${name} but it has no mountpoint`, { host });
      return out.Mountpoint;
    },
    close() {
      agent.destroy();
    },
  };
}
