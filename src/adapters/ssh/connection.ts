/**
 * One pooled ssh2 connection: every channel fleet opens on a host goes through it, and session
 * channels (exec) are capped below sshd's MaxSessions by a per-connection semaphore. With an idle
 * limit (a long-lived session, SshSettings.idleCloseMs) it closes itself when no channel has been open
 * for that long; the pool then makes a new connection on the next connect().
 */
import type { Duplex } from 'node:stream';
import pLimit, { type LimitFunction } from 'p-limit';
import type { Client, ClientChannel } from 'ssh2';
import { FleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import { startCommand, type ChannelHost } from './exec.js';
import type { ExecOptions, ExecResult, PtySize, ShellChannel, SshConnection } from './types.js';

/** How long a closing connection waits for the host's goodbye before dropping its socket. */
const CLOSE_GRACE_MS = 1_000;

/** About 2 s in all (20 ms, 40 ms, …): far longer than sshd takes to reap a finished session. */
const SESSION_LIMIT_RETRIES = 14;

/** OpenSSH refuses a session channel over MaxSessions with "open failed" (SSH2_OPEN_CONNECT_FAILED). */
function isSessionLimit(err: Error): boolean {
  return (err as Error & { reason?: number }).reason === 2 || /open failed/.test(err.message);
}

export class PooledConnection implements SshConnection, ChannelHost {
  private readonly slots: LimitFunction;
  /** No new channel: closing (our end() sent) or closed. The pool forgets it at once. */
  private closed = false;
  /** close() has said goodbye. */
  private ending = false;
  /** The socket itself has closed. */
  private socketClosed = false;
  private readonly onClose: () => void;
  private readonly dependents = new Set<PooledConnection>();
  /** Channels open or being opened (exec, unix socket, forwarded TCP for a ProxyJump dependent). */
  private busy = 0;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly host: HostTarget,
    private readonly client: Client,
    maxChannels: number,
    readonly defaultSudoPassword: string | undefined,
    onClose: () => void,
    /** Close after this long without an open channel; undefined = live until close() (the CLI). */
    private readonly idleCloseMs?: number,
  ) {
    this.slots = pLimit(Math.max(1, maxChannels));
    this.onClose = onClose;
    client.on('close', () => {
      this.socketClosed = true;
      this.markClosed();
    });
    // Errors after `ready` (reset link, keepalive timeout) surface through 'close' and the channels.
    client.on('error', () => undefined);
  }

  isClosed(): boolean {
    return this.closed;
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.idleTimer);
    this.onClose();
  }

  /**
   * The caller needs no more channels. A pool without an idle limit (the CLI: one operation) closes
   * the connection now, so a run over 200 hosts does not hold 200 sshd sessions open; a long-lived
   * one (MCP server, web view) keeps it for the next operation, and the idle countdown closes it.
   * Never close() a connection another operation may share.
   */
  release(): void {
    if (this.idleCloseMs === undefined) this.close();
  }

  /** Marks a channel as opening/open; the returned function (call once) marks it gone. */
  private use(): () => void {
    this.busy++;
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.busy--;
      this.armIdleTimer();
    };
  }

  /**
   * Called by the pool each time it hands the connection out: the countdown starts again, so a
   * connection is not closed between connect() and its caller's first channel.
   */
  startIdleCountdown(): void {
    this.armIdleTimer();
  }

  /** Starts the idle countdown when nothing is open; it never keeps the process alive. */
  private armIdleTimer(): void {
    if (this.idleCloseMs === undefined || this.busy > 0 || this.closed) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.close(), this.idleCloseMs);
    this.idleTimer.unref();
  }

  private lost(cause?: unknown): FleetError {
    return new FleetError('connect', `connection to ${this.host.id} is closed`, {
      host: this.host.id,
      hint: 'the host went away or the link dropped; run the command again',
      cause,
      // A new connection can succeed (the pool retries a ProxyJump hop that found its jump closing).
      retryable: cause !== undefined,
    });
  }

  /**
   * Calls an ssh2 channel method. ssh2 throws "Not connected" at once when the socket is no longer
   * writable (the host's goodbye arrived, its 'close' not yet): that is a lost connection, and the
   * connection is marked closed so the pool makes a new one for the next caller.
   */
  private openChannel(open: () => void, release: () => void, reject: (err: FleetError) => void): void {
    try {
      open();
    } catch (err) {
      release();
      this.markClosed();
      reject(this.lost(err));
    }
  }

  /** Holds one session slot until `release` is called; waits in FIFO order when all are busy. */
  private acquire(signal?: AbortSignal): Promise<() => void> {
    return new Promise((resolve, reject) => {
      void this.slots(
        () =>
          new Promise<void>((release) => {
            if (signal?.aborted) {
              release();
              reject(
                new FleetError('interrupted', `not started on ${this.host.id}: interrupted`, {
                  host: this.host.id,
                }),
              );
            } else resolve(release);
          }),
      );
    });
  }

  /**
   * A session channel (exec or shell): waits for a session slot, opens the channel with `open`, and
   * holds the slot until the channel closes. `refused` words the host's refusal.
   */
  private async openSession(
    signal: AbortSignal | undefined,
    open: (cb: (err: Error | undefined, channel: ClientChannel) => void) => void,
    refused: (err: Error) => FleetError,
  ): Promise<ClientChannel> {
    const unused = this.use();
    const slot = await this.acquire(signal).catch((err: unknown) => {
      unused();
      throw err;
    });
    const release = () => {
      slot();
      unused();
    };
    if (this.closed) {
      release();
      throw this.lost();
    }
    return new Promise((resolve, reject) => {
      let retries = 0;
      const opened = (err: Error | undefined, channel: ClientChannel) => {
        if (
          err &&
          isSessionLimit(err) &&
          retries < SESSION_LIMIT_RETRIES &&
          !this.closed &&
          !signal?.aborted
        ) {
          // sshd frees a session a moment after its channel closed (when it has reaped the child);
          // a channel opened right after a close can find MaxSessions still reached. Try again.
          retries++;
          setTimeout(() => this.openChannel(() => open(opened), release, reject), 20 * retries);
          return;
        }
        if (err) {
          release();
          return reject(refused(err));
        }
        channel.once('close', release);
        resolve(channel);
      };
      this.openChannel(() => open(opened), release, reject);
    });
  }

  openExec(command: string, signal?: AbortSignal): Promise<ClientChannel> {
    return this.openSession(
      signal,
      (cb) => this.client.exec(command, cb),
      (err) =>
        new FleetError('connect', `${this.host.id} refused to open a channel: ${err.message}`, {
          host: this.host.id,
          cause: err,
          hint: 'sshd may limit sessions (MaxSessions) lower than fleet expects; lower the channel cap',
        }),
    );
  }

  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    return startCommand(this, command, options, { streaming: false, killOnStop: true }).then((s) => s.done);
  }

  spawn(command: string, options: Omit<ExecOptions, 'onStdout' | 'collect'> = {}) {
    return startCommand(this, command, options, { streaming: true, killOnStop: true });
  }

  /** A login shell on a PTY (xterm-256color); holds a session slot until the channel closes. */
  openShell(size: PtySize, signal?: AbortSignal): Promise<ShellChannel> {
    const window = { term: 'xterm-256color', cols: size.cols, rows: size.rows, width: 0, height: 0 };
    return this.openSession(
      signal,
      (cb) => this.client.shell(window, cb),
      (err) =>
        new FleetError('connect', `${this.host.id} refused a shell: ${err.message}`, {
          host: this.host.id,
          cause: err,
          hint: 'sshd may forbid PTYs for this user (PermitTTY no)',
        }),
    );
  }

  openUnixSocket(path: string): Promise<Duplex> {
    // direct-streamlocal channels are not sessions, so they do not count against MaxSessions.
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(this.lost());
      const unused = this.use();
      const open = () =>
        this.client.openssh_forwardOutStreamLocal(path, (err, channel) => {
          if (err) unused();
          else channel.once('close', unused);
          if (err)
            return reject(
              new FleetError('connect', `${this.host.id} cannot open unix socket ${path}: ${err.message}`, {
                host: this.host.id,
                cause: err,
                hint: 'check that the socket exists and that the SSH user may access it (e.g. is in the docker group)',
              }),
            );
          resolve(channel);
        });
      this.openChannel(open, unused, reject);
    });
  }

  /** A TCP channel from this host to another (ProxyJump). */
  forwardOut(address: string, port: number, via: PooledConnection): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(this.lost());
      const unused = this.use();
      const open = () =>
        this.client.forwardOut('127.0.0.1', 0, address, port, (err, channel) => {
          if (err) unused();
          else channel.once('close', unused);
          if (err)
            return reject(
              new FleetError(
                'connect',
                `jump host ${this.host.id} cannot reach ${address}:${port}: ${err.message}`,
                {
                  host: via.host.id,
                  cause: err,
                  retryable: true,
                  hint: `check that ${this.host.id} can reach ${address}:${port} and allows TCP forwarding`,
                },
              ),
            );
          resolve(channel);
        });
      this.openChannel(open, unused, reject);
    });
  }

  /** Connections tunnelled through this one close before it does. */
  addDependent(conn: PooledConnection): void {
    this.dependents.add(conn);
  }

  /**
   * Says goodbye, then drops the socket if the host has not closed it within CLOSE_GRACE_MS: a host
   * whose link is cut never answers, and its half-closed socket would keep fleet's process alive
   * until TCP gives up (minutes) after the run has written its report.
   */
  close(): void {
    clearTimeout(this.idleTimer);
    for (const dep of this.dependents) dep.close();
    if (this.socketClosed || this.ending) return;
    this.ending = true;
    // Closed for new channels from now on, and the pool forgets it now: between end() and the
    // host's goodbye, ssh2 refuses every channel ("Not connected"), so the next caller gets a new
    // connection instead of this one.
    this.markClosed();
    this.client.end();
    // unref: a connection that closed properly leaves nothing to wait for.
    setTimeout(() => {
      // ssh2's destroy() skips a socket that end() already half-closed, so drop the socket itself.
      if (!this.socketClosed) (this.client as unknown as { _sock?: { destroy(): void } })._sock?.destroy();
    }, CLOSE_GRACE_MS).unref();
  }
}
