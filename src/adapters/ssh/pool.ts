/**
 * The connection pool: one ssh2 connection per host (user@address:port via jump), created on first
 * use, reused for every channel. Handshakes are capped separately from command concurrency, and only
 * connection-level failures are retried, with exponential backoff and jitter.
 */
import pLimit from 'p-limit';
import { FleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import { sleep } from '../../core/poll.js';
import { AuthSecrets } from './auth.js';
import { connectOnce } from './connect.js';
import { PooledConnection } from './connection.js';
import { HostKeyStore } from './host-keys.js';
import { spawnProxyCommand, type ProxyCommandSocket } from './proxy-command.js';
import type { PoolReporter, SshConnection, SshHostTarget, SshPool, SshSettings } from './types.js';

function poolKey(host: SshHostTarget): string {
  const own = `${host.user}@${host.address}:${host.port}`;
  if (host.proxyCommand) return `${own}<(${host.proxyCommand})`;
  return host.proxyJump ? `${own}<${poolKey(host.proxyJump)}` : own;
}

/** A connect failure through a ProxyCommand says what the proxy did (its exit, its last stderr line). */
function withProxyDetail(err: unknown, host: SshHostTarget, proxy: ProxyCommandSocket): unknown {
  if (!(err instanceof FleetError) || !['connect', 'timeout'].includes(err.code)) return err;
  return new FleetError(err.code, `${err.message} (ProxyCommand ${proxy.describe()})`, {
    host: err.host,
    hint: `check the ProxyCommand for ${host.id} in ~/.ssh/config: ${host.proxyCommand}`,
    cause: err.cause ?? err,
    retryable: err.retryable,
  });
}

/** Full-jitter-ish backoff: base * 2^attempt, scaled by 0.5..1, capped at 30 s. */
export function backoffDelay(baseMs: number, attempt: number, random = Math.random): number {
  const exp = Math.min(30_000, baseMs * 2 ** attempt);
  return Math.round(exp * (0.5 + random() / 2));
}

export function createSshPool(settings: SshSettings, reporter?: PoolReporter): SshPool {
  // A factory (~110 lines): its length is the pool's methods (connect with retries, jump hosts, closeAll),
  // each short, sharing the connection map through the closure.
  const conns = new Map<string, Promise<PooledConnection>>();
  const handshakes = pLimit(Math.max(1, settings.maxConcurrentHandshakes));
  const hostKeys = new HostKeyStore(settings.warn);
  const secrets = new AuthSecrets(settings);

  async function establish(
    host: SshHostTarget,
    key: string,
    signal?: AbortSignal,
  ): Promise<PooledConnection> {
    const policy = settings.hostKeyPolicyFromFlag
      ? settings.hostKeyPolicy
      : (host.hostKeyPolicy ?? settings.hostKeyPolicy);
    const knownHostsFiles = host.knownHostsFiles ?? settings.knownHostsFiles;
    const attempts = Math.max(0, settings.retries) + 1;
    for (let attempt = 0; ; attempt++) {
      let proxy: ProxyCommandSocket | undefined;
      try {
        // The jump connection is made outside the handshake slot, or a cap of 1 would deadlock.
        const jump = host.proxyJump ? await connect(host.proxyJump, signal) : undefined;
        reporter?.hostState(
          host.id,
          'connecting',
          attempt > 0 ? `attempt ${attempt + 1}/${attempts}` : undefined,
        );
        const client = await handshakes(async () => {
          if (signal?.aborted)
            throw new FleetError('interrupted', `connection to ${host.id} aborted`, { host: host.id });
          const sock = jump ? await jump.forwardOut(host.address, host.port, jump) : undefined;
          // ProxyCommand: the command's stdin/stdout are the transport; never a direct TCP connection.
          const command = host.proxyCommand;
          const openSock = command
            ? () => {
                proxy = spawnProxyCommand(command);
                return proxy.sock;
              }
            : undefined;
          try {
            const ctx = { settings, hostKeys, secrets, policy, knownHostsFiles, sock, openSock, signal };
            return await connectOnce(host, ctx);
          } catch (err) {
            if (!proxy) throw err;
            // The transport usually breaks (EPIPE, closed) a moment before the proxy's exit is seen.
            await proxy.exited(1000);
            const detailed = withProxyDetail(err, host, proxy);
            proxy.kill();
            throw detailed;
          }
        });
        const stopProxy = proxy?.kill;
        const conn = new PooledConnection(
          host,
          client,
          settings.maxChannelsPerConnection,
          settings.password,
          () => {
            stopProxy?.();
            if (conns.get(key) === entry) conns.delete(key);
          },
          settings.idleCloseMs,
        );
        const entry = conns.get(key);
        jump?.addDependent(conn);
        return conn;
      } catch (err) {
        const retry =
          err instanceof FleetError && err.retryable && attempt + 1 < attempts && !signal?.aborted;
        if (!retry) {
          if (err instanceof FleetError && err.retryable && attempts > 1) {
            throw new FleetError(err.code, `${err.message} (after ${attempts} attempts)`, {
              host: err.host,
              hint: err.hint,
              cause: err.cause ?? err,
              retryable: true,
            });
          }
          throw err;
        }
        const delay = backoffDelay(settings.retryDelayMs, attempt);
        reporter?.log('debug', `${err.message}; retrying in ${delay} ms`, host.id);
        await sleep(delay, signal);
      }
    }
  }

  function connect(host: SshHostTarget, signal?: AbortSignal): Promise<PooledConnection> {
    const key = poolKey(host);
    let entry = conns.get(key);
    if (!entry) {
      entry = establish(host, key, signal);
      conns.set(key, entry);
      const mine = entry;
      mine.catch(() => {
        if (conns.get(key) === mine) conns.delete(key);
      });
    }
    // Handed out again: its idle countdown starts over, so it is not closed before the caller's channel.
    return entry.then((conn) => {
      conn.startIdleCountdown();
      return conn;
    });
  }

  return {
    connect: (host: HostTarget, signal?: AbortSignal): Promise<SshConnection> => connect(host, signal),
    async closeAll(): Promise<void> {
      const all = await Promise.allSettled([...conns.values()]);
      conns.clear();
      for (const r of all) if (r.status === 'fulfilled') r.value.close();
    },
  };
}
