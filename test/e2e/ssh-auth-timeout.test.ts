/**
 * The connect timeout covers TCP and the key exchange (like OpenSSH's ConnectTimeout); authentication
 * has its own, longer bound. Under load (200 hosts handshaking on two cores, a slow PAM module) a
 * live host can take longer to authenticate than to answer, and must not be called unreachable.
 * The server is a real SSH server (ssh2's) on loopback whose password check answers late.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshPool } from '../../src/adapters/ssh/index.js';
import type { SshHostTarget, SshSettings } from '../../src/adapters/ssh/types.js';
import { FleetError } from '../../src/core/errors.js';

const AUTH_DELAY_MS = 1200;
let server: ssh2.Server;
let port = 0;
let tmp = '';

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'fleet-ssh-auth-'));
  const hostKey = ssh2.utils.generateKeyPairSync('ed25519').private;
  server = new ssh2.Server({ hostKeys: [hostKey] }, (client) => {
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'password') return ctx.reject(['password']);
      setTimeout(() => (ctx.password === 'slow-but-right' ? ctx.accept() : ctx.reject()), AUTH_DELAY_MS);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(tmp, { recursive: true, force: true });
});

function settings(over: Partial<SshSettings>): SshSettings {
  return {
    connectTimeoutMs: 500,
    hostKeyPolicy: 'accept-new',
    knownHostsFiles: [join(tmp, 'known_hosts')],
    maxConcurrentHandshakes: 4,
    retries: 0,
    retryDelayMs: 100,
    maxChannelsPerConnection: 8,
    agentSocket: '',
    password: 'slow-but-right',
    ...over,
  };
}

const target = (): SshHostTarget => ({
  id: 'slow-auth',
  address: '127.0.0.1',
  port,
  user: 'u',
  identityFiles: [],
});

describe('ssh connect and authentication timeouts', () => {
  it('connects when authentication takes longer than the connect timeout', async () => {
    const pool = createSshPool(settings({}));
    try {
      const client = await pool.connect(target());
      expect(client).toBeTruthy();
    } finally {
      await pool.closeAll();
    }
  });

  it('still bounds authentication, naming the stage and the host', async () => {
    const pool = createSshPool(settings({ authTimeoutMs: 300 }));
    try {
      const err = await pool.connect(target()).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(FleetError);
      expect((err as FleetError).message).toMatch(
        /authentication timeout after 0\.3s to slow-auth .*during authentication/,
      );
      expect((err as FleetError).host).toBe('slow-auth');
    } finally {
      await pool.closeAll();
    }
  });
});
