/**
 * One connection attempt: TCP (or a ProxyJump channel), key exchange, host key check, auth, all under
 * one connect timeout. Failures become FleetErrors whose `retryable` says whether trying again can help.
 */
import type { Duplex } from 'node:stream';
import ssh2, { type Algorithms, type Client } from 'ssh2';
import { FleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import { makeAuthHandler, type AuthSecrets } from './auth.js';
import { batchSocketWrites } from './batch-writes.js';
import { ignoreHostKeyNotices } from './host-key-notices.js';
import type { HostKeyStore } from './host-keys.js';
import type { HostKeyPolicy, SshSettings } from './types.js';

// curve25519 first; the rest keeps OpenSSH 7.6 (Ubuntu 18.04) and older embedded sshds reachable.
const KEX: Algorithms['kex'] = [
  'curve25519-sha256',
  'curve25519-sha256@libssh.org',
  'ecdh-sha2-nistp256',
  'ecdh-sha2-nistp384',
  'ecdh-sha2-nistp521',
  'diffie-hellman-group-exchange-sha256',
  'diffie-hellman-group16-sha512',
  'diffie-hellman-group18-sha512',
  'diffie-hellman-group14-sha256',
  'diffie-hellman-group14-sha1',
];

const HOST_KEY_ALGOS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
] as const;

/** Like OpenSSH: prefer the host key algorithms whose keys known_hosts already holds for this host. */
function hostKeyOrder(knownTypes: readonly string[]): Algorithms['serverHostKey'] {
  const preferred = knownTypes.flatMap((t) =>
    t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t],
  );
  const order = [
    ...preferred.filter((a) => (HOST_KEY_ALGOS as readonly string[]).includes(a)),
    ...HOST_KEY_ALGOS,
  ];
  return [...new Set(order)] as Algorithms['serverHostKey'];
}

const RETRYABLE_SOCKET = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ECONNABORTED',
]);

/** Authentication's own bound; the connect timeout covers TCP and the key exchange only. */
export function authTimeoutMs(settings: SshSettings): number {
  return settings.authTimeoutMs ?? Math.max(30_000, 3 * settings.connectTimeoutMs);
}

function label(host: HostTarget): string {
  const addr = `${host.user}@${host.address}:${host.port}`;
  return host.id === host.address ? addr : `${host.id} (${addr})`;
}

export interface AttemptContext {
  settings: SshSettings;
  hostKeys: HostKeyStore;
  secrets: AuthSecrets;
  policy: HostKeyPolicy;
  knownHostsFiles: string[];
  /** A channel through the jump host, when ProxyJump applies. */
  sock?: Duplex;
  /**
   * Opens the transport right before the handshake starts (ProxyCommand): a proxy that fails at
   * once must fail while ssh2 listens, not during the known_hosts lookup before it.
   */
  openSock?: () => Duplex;
  signal?: AbortSignal;
}

export async function connectOnce(host: HostTarget, ctx: AttemptContext): Promise<Client> {
  // Long (~165 lines) on purpose: one Promise around ssh2's event API; its handlers (ready, error, close,
  // keyboard-interactive, host key check, abort) settle the same attempt and share its timer and state.
  const knownTypes = ctx.policy === 'ignore' ? [] : await ctx.hostKeys.knownTypes(host, ctx.knownHostsFiles);
  return new Promise<Client>((resolve, reject) => {
    const client = new ssh2.Client();
    let stage: 'tcp' | 'handshake' | 'auth' | 'ready' = 'tcp';
    let settled = false;
    let hostKeyError: FleetError | undefined;
    const tried: string[] = [];
    let timer: NodeJS.Timeout | undefined;
    let remaining = ctx.settings.connectTimeoutMs;
    let startedAt = Date.now();

    const fail = (err: FleetError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ctx.signal?.removeEventListener('abort', onAbort);
      client.removeAllListeners('ready');
      client.on('error', () => undefined);
      client.destroy();
      reject(err);
    };
    const onTimeout = (): void => {
      const before = stage === 'tcp' || stage === 'handshake';
      const limitMs = before ? ctx.settings.connectTimeoutMs : authTimeoutMs(ctx.settings);
      // Code `connect`: to the user a host that does not answer is unreachable, whatever the stage.
      fail(
        new FleetError(
          'connect',
          `${before ? 'connect' : 'authentication'} timeout after ${limitMs / 1000}s to ${label(host)} (${stage === 'tcp' ? 'no TCP connection' : stage === 'handshake' ? 'during key exchange' : 'during authentication'})`,
          {
            host: host.id,
            retryable: before,
            hint: before
              ? 'check that the host is up and reachable, or raise --connect-timeout / FLEET_SSH_TIMEOUT'
              : 'the host answered but did not finish authentication: check its sshd (PAM, DNS lookups of clients) and its load',
          },
        ),
      );
    };
    const arm = (): void => {
      startedAt = Date.now();
      timer = setTimeout(onTimeout, Math.max(0, remaining));
    };
    const onAbort = (): void =>
      fail(new FleetError('interrupted', `connection to ${label(host)} aborted`, { host: host.id }));
    if (ctx.signal?.aborted) return onAbort();
    ctx.signal?.addEventListener('abort', onAbort, { once: true });
    arm();

    client.on('connect', () => {
      stage = 'handshake';
    });
    client.on('handshake', () => {
      // Like OpenSSH's ConnectTimeout, the connect timeout ends with the key exchange: a host that got
      // this far is alive, and authentication (slow under load: 200 hosts handshaking on 2 cores, a
      // PAM module, a DNS lookup of the client) gets its own, longer bound.
      stage = 'auth';
      clearTimeout(timer);
      remaining = authTimeoutMs(ctx.settings);
      arm();
    });
    client.on('ready', () => {
      stage = 'ready';
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ctx.signal?.removeEventListener('abort', onAbort);
      resolve(client);
    });
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      if (hostKeyError) return fail(hostKeyError);
      if (err.level === 'client-authentication') {
        return fail(
          new FleetError(
            'auth',
            `authentication failed for ${label(host)}${tried.length ? ` (tried ${tried.join(', ')})` : ' (no key, agent or password available)'}`,
            {
              host: host.id,
              hint: 'check the user (nodes.yml user, ssh_config User), install your public key in ~/.ssh/authorized_keys on the host, or set FLEET_SSH_PASSWORD',
            },
          ),
        );
      }
      const code = err.code ?? '';
      if (err.level === 'client-socket' || code) {
        return fail(
          new FleetError('connect', `cannot connect to ${label(host)}: ${code || err.message}`, {
            host: host.id,
            cause: err,
            retryable: RETRYABLE_SOCKET.has(code),
            hint:
              code === 'ECONNREFUSED'
                ? 'is sshd running on that port?'
                : 'check the address, the port and the network path to the host',
          }),
        );
      }
      // Handshake/protocol failures before auth (e.g. the server dropped us during MaxStartups) can
      // pass on a later try; algorithm mismatches cannot, but retrying them is harmless and bounded.
      fail(
        new FleetError('connect', `SSH handshake with ${label(host)} failed: ${err.message}`, {
          host: host.id,
          cause: err,
          retryable: stage !== 'auth' && !/no matching/i.test(err.message),
          hint: /no matching/i.test(err.message)
            ? 'the server offers no algorithm fleet supports; update its OpenSSH'
            : 'check that the port is an SSH server',
        }),
      );
    });
    client.on('close', () => {
      if (hostKeyError) return fail(hostKeyError);
      fail(
        new FleetError(
          'connect',
          `connection to ${label(host)} closed by the remote ${stage === 'auth' ? 'during authentication' : 'before authentication'}`,
          {
            host: host.id,
            retryable: stage !== 'auth',
            hint: 'sshd may be overloaded (MaxStartups) or restricting clients; check its logs',
          },
        ),
      );
    });

    const progress = {
      tried,
      pause: () => {
        clearTimeout(timer);
        remaining -= Date.now() - startedAt;
      },
      resume: () => {
        if (!settled) arm();
      },
    };

    try {
      client.connect({
        host: host.address,
        port: host.port,
        username: host.user,
        sock: (ctx.sock ?? ctx.openSock?.()) as never,
        readyTimeout: 0,
        keepaliveInterval: 10_000,
        keepaliveCountMax: 3,
        algorithms: { kex: KEX, serverHostKey: hostKeyOrder(knownTypes) },
        hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
          progress.pause();
          ctx.hostKeys.verify(host, key, ctx.policy, ctx.knownHostsFiles).then(
            () => {
              progress.resume();
              verify(true);
            },
            (err: unknown) => {
              progress.resume();
              hostKeyError =
                err instanceof FleetError ? err : new FleetError('hostkey', String(err), { host: host.id });
              verify(false);
            },
          );
        },
        authHandler: makeAuthHandler(host, ctx.settings, ctx.secrets, progress),
      } as never);
      batchSocketWrites(client);
      ignoreHostKeyNotices(client);
      // ssh2 writes one SSH packet in several write() calls (length, payload, MAC/tag). With Nagle on,
      // data written while an earlier segment is unacknowledged waits for the server's delayed ACK
      // (~40 ms): every handshake round trip paid it (one host: 196 ms instead of 254-289 ms to
      // connect, run and close). A ProxyJump/ProxyCommand transport is no TCP socket; ssh2 skips it.
      client.setNoDelay(true);
    } catch (err) {
      fail(
        new FleetError('connect', `cannot connect to ${label(host)}: ${(err as Error).message}`, {
          host: host.id,
          cause: err,
        }),
      );
    }
  });
}
