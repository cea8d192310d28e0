/**
 * HTTP transport to a remote Docker engine over the host's existing SSH connection.
 *
 * An http.Agent whose sockets are SSH channels: a direct-streamlocal channel to the engine's Unix
 * socket when sshd allows it and the user may open the socket, otherwise `docker system dial-stdio`
 * (under sudo for non-root users) whose stdin/stdout carry the HTTP bytes. Either way no TCP port is
 * opened on the host and nothing secret ever reaches a command line: request bodies (join tokens)
 * travel inside the channel.
 */
import http from 'node:http';
import { inspect } from 'node:util';
import { Duplex, type Writable } from 'node:stream';
import type { SshConnection } from '../ssh/types.js';

export type DockerTransportKind = 'socket' | 'dial-stdio';

export interface TransportOptions {
  socketPath: string;
  /** For the dial-stdio fallback when the user is not root. */
  sudoPassword?: string;
  /** Channels per host, busy or idle (the engine queues requests beyond it). */
  maxSockets?: number;
}

type Callback = (err: Error | null, stream: Duplex) => void;

/**
 * Node's http client treats its socket as a net.Socket in a few places (keep-alive, timeouts).
 * SSH channels are plain Duplex streams; give them harmless stand-ins so the agent can pool them.
 */
function asSocketLike(stream: Duplex): Duplex {
  const s = stream as Duplex & Record<string, unknown>;
  for (const name of ['setKeepAlive', 'setNoDelay', 'ref', 'unref']) {
    if (typeof s[name] !== 'function') s[name] = () => s;
  }
  if (typeof s.setTimeout !== 'function') s.setTimeout = () => s;
  // A response destroyed mid-body (Ctrl-C on a followed log) destroys its socket and then waits
  // for that socket's 'close'. ssh2's Channel.destroy() only sends EOF and CLOSE, and it emits
  // 'close' after 'end', i.e. once every byte the host sent has been read; nobody reads a destroyed
  // response's socket, so bytes still arriving (a log line a second) kept 'close' from ever firing
  // and `fleet service logs -f` hung after Ctrl-C. Like a destroyed net.Socket, it passes on nothing
  // more: what still arrives is read and dropped, so the channel can end and close.
  const destroy = stream.destroy.bind(stream);
  s.destroy = (err?: Error) => {
    destroy(err);
    stream.removeAllListeners('data');
    stream.resume();
    return s;
  };
  return stream;
}

export class SshDockerAgent extends http.Agent {
  kind: DockerTransportKind = 'socket';

  constructor(
    private readonly conn: SshConnection,
    private readonly options: TransportOptions,
  ) {
    // Idle channels stay open up to the cap: closing and reopening streamlocal channels under load
    // stalled every request behind it (16 parallel node updates: 7 s instead of 0.7 s).
    const max = options.maxSockets ?? 4;
    super({ keepAlive: true, maxSockets: max, maxFreeSockets: max });
  }

  /**
   * One short line. docker-modem formats every request's options, this agent included, with
   * util.inspect({ showHidden: true, depth: null }) before it knows whether its debug log is on:
   * walking the agent's pooled channels, the SSH client behind them and everything those reference
   * was most of `fleet up`'s client CPU (a CPU profile of a 16-host run: ~40% of the main thread
   * under docker-modem's inspect, growing with the hosts and requests). It also keeps the sudo
   * password in `options` from ever being formatted.
   */
  [inspect.custom](): string {
    return `SshDockerAgent(${this.conn.host.id}, ${this.kind})`;
  }

  /** Opens one channel of the chosen kind. Exposed so the engine can probe the socket once. */
  async openChannel(): Promise<Duplex> {
    if (this.kind === 'socket') return asSocketLike(await this.conn.openUnixSocket(this.options.socketPath));
    return asSocketLike(await this.openDialStdio());
  }

  private async openDialStdio(): Promise<Duplex> {
    const sudo = this.conn.host.user !== 'root';
    const child = await this.conn.spawn('docker system dial-stdio', {
      sudo,
      sudoPassword: this.options.sudoPassword,
    });
    const duplex = Duplex.from({ readable: child.stdout, writable: child.stdin as Writable });
    // A request in flight gets the stream's errors through its own listener; an idle pooled stream
    // has none, and an unhandled 'error' (e.g. the channel destroyed at shutdown) would crash fleet.
    duplex.on('error', () => undefined);
    // The remote process ends when its stdin closes; surface its failure as a stream error.
    child.done.then(
      (result) => {
        if (result.exitCode !== 0 && !duplex.destroyed) {
          const stderr = result.stderr.toString('utf8').trim().split('\n').pop() ?? '';
          duplex.destroy(new Error(`docker system dial-stdio exited ${result.exitCode}: ${stderr}`));
        }
      },
      (err: unknown) => duplex.destroy(err instanceof Error ? err : new Error(String(err))),
    );
    return duplex;
  }

  override createConnection(
    _options: http.ClientRequestArgs,
    callback?: Callback,
  ): Duplex | null | undefined {
    this.openChannel().then(
      (stream) => callback?.(null, stream),
      (err: unknown) => callback?.(err instanceof Error ? err : new Error(String(err)), undefined as never),
    );
    return undefined;
  }
}
