/**
 * The SSH adapter's contract. Everything above the adapter (exec, docker, backups) codes against these
 * types; src/adapters/ssh/ implements them with ssh2.
 */
import type { Duplex, Readable } from 'node:stream';
import type { HostTarget } from '../../core/host.js';

export type HostKeyPolicy = 'strict' | 'accept-new' | 'ignore';

export interface SshSettings {
  /** TCP connect + key exchange, per attempt (like OpenSSH's ConnectTimeout). Env FLEET_SSH_TIMEOUT (seconds). */
  connectTimeoutMs: number;
  /** Authentication, once the key exchange is done. Default max(30 s, 3 × connectTimeoutMs). */
  authTimeoutMs?: number;
  hostKeyPolicy: HostKeyPolicy;
  /**
   * True when hostKeyPolicy came from a flag (--accept-new-host-keys, --insecure-ignore-host-keys);
   * otherwise a host's ssh_config StrictHostKeyChecking (SshHostTarget.hostKeyPolicy) takes precedence.
   */
  hostKeyPolicyFromFlag?: boolean;
  /** known_hosts files to read; the first is the one `accept-new` appends to. Default ~/.ssh/known_hosts. */
  knownHostsFiles: string[];
  /** Cap on handshakes in flight, separate from the cap on running commands. */
  maxConcurrentHandshakes: number;
  /** Retries for connection-level failures only (refused, reset, timeout before auth). */
  retries: number;
  retryDelayMs: number;
  /** Secrets: held in memory only, registered with core/redact. */
  password?: string;
  /** Asked for on demand (TTY prompt) when a key is encrypted or a password is needed. */
  askSecret?: (prompt: string) => Promise<string | undefined>;
  agentSocket?: string;
  /** Max channels open at once on one connection; kept under OpenSSH's MaxSessions (10). */
  maxChannelsPerConnection: number;
  /**
   * A long-lived session (MCP server, web view) closes a connection after this long without an open
   * channel; the next connect() makes a new one. Undefined (the CLI): connections live until closeAll().
   */
  idleCloseMs?: number;
  /** Non-fatal notes (unreadable known_hosts lines, cert-authority entries ignored, skipped keys). */
  warn?: (message: string, host?: string) => void;
}

/** A HostTarget after ~/.ssh/config: the per-host settings ssh_config can carry beyond HostTarget. */
export interface SshHostTarget extends HostTarget {
  /** ssh_config UserKnownHostsFile: replaces SshSettings.knownHostsFiles for this host. */
  knownHostsFiles?: string[];
  /** ssh_config StrictHostKeyChecking, used unless the policy came from a flag. */
  hostKeyPolicy?: HostKeyPolicy;
  /**
   * ssh_config ProxyCommand with its %h %p %r %n %% tokens expanded: run with `sh -c`, its
   * stdin/stdout carry the SSH connection (never a direct TCP connection around it).
   */
  proxyCommand?: string;
  /** ProxyJump hops resolved through ssh_config keep their own proxy settings. */
  proxyJump?: SshHostTarget;
}

export interface ExecOptions {
  /** Kills the remote process group when it expires. */
  timeoutMs?: number;
  /** Abort kills the remote process group too (Ctrl-C). */
  signal?: AbortSignal;
  /** Run through sudo; the password (if any) goes via stdin, never argv. */
  sudo?: boolean;
  sudoPassword?: string;
  stdin?: string | Buffer | Readable;
  onStdout?(chunk: Buffer): void;
  onStderr?(chunk: Buffer): void;
  /**
   * Keep the output in the result (default true); false for large streams: the result's stdout is
   * then empty and its stderr holds only the first 64 KiB (the callbacks still see every byte).
   */
  collect?: boolean;
}

export interface ExecResult {
  exitCode: number | null;
  /** Remote signal name ('SIGTERM', 'SIGKILL', ...) when the process was killed by one. */
  signal?: string;
  timedOut: boolean;
  aborted: boolean;
  stdout: Buffer;
  stderr: Buffer;
  durationMs: number;
}

export interface SshConnection {
  readonly host: HostTarget;
  /**
   * Runs `command` through the user's login shell exactly as `ssh host 'command'` would (stdout is
   * byte-identical). Timeout and abort kill the remote process group and resolve with timedOut /
   * aborted set and exitCode null; a non-zero exit also resolves. Rejects with FleetError only when
   * no result exists: 'connect' (channel refused, connection lost mid-command: never re-run),
   * 'auth' (sudo refused or needs a password), 'interrupted' (aborted before it started).
   * With `sudo`, the password defaults to SshSettings.password and is written to stdin only when
   * sudo prompts; a `root` user runs the command without sudo.
   */
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /**
   * Runs a command and hands back its stdout as a stream (tar for backups). `stdin` is held back
   * until sudo (if any) has authenticated; end() it when the command reads stdin, or it waits for EOF.
   * `done` collects stderr, not stdout.
   */
  spawn(
    command: string,
    options?: Omit<ExecOptions, 'onStdout' | 'collect'>,
  ): Promise<{ stdout: Readable; stdin: NodeJS.WritableStream; done: Promise<ExecResult> }>;
  /**
   * A direct-streamlocal channel to a Unix socket on the host (e.g. /var/run/docker.sock). Not a
   * session channel, so it does not count against the per-connection channel cap.
   */
  openUnixSocket(path: string): Promise<Duplex>;
  /**
   * An interactive login shell on a PTY of `size` (the web view's terminal). Takes one session slot
   * until the channel closes; `setWindow` on the returned channel resizes the PTY.
   */
  openShell?(size: PtySize, signal?: AbortSignal): Promise<ShellChannel>;
  /** The connection dropped (link cut, host gone); optional for test doubles. */
  isClosed?(): boolean;
  /**
   * The caller is done with it: closed now by a one-operation pool (the CLI), kept for the next
   * operation by a long-lived one (idleCloseMs set), where another operation may be using it.
   */
  release(): void;
  /** Closes it for everyone using it (a pool's closeAll, an idle countdown). */
  close(): void;
}

export interface PtySize {
  cols: number;
  rows: number;
}

/** A PTY shell: bytes both ways, plus the window size (ssh2's ClientChannel fits this). */
export interface ShellChannel extends Duplex {
  readonly stderr?: Readable;
  setWindow(rows: number, cols: number, height: number, width: number): void;
}

export interface SshPool {
  /**
   * One connection per host (user@address:port, via its ProxyJump), created on first use with
   * retries, reused for every channel; a dropped connection is replaced on the next connect().
   * Reports host state 'connecting' per attempt (PoolReporter). Rejects with FleetError connect / auth / hostkey /
   * timeout (host set, hint set, retryable only for connection-level failures). Accepts an
   * SshHostTarget (knownHostsFiles / hostKeyPolicy from ssh_config).
   */
  connect(host: HostTarget, signal?: AbortSignal): Promise<SshConnection>;
  closeAll(): Promise<void>;
}

/**
 * How the pool reports progress. The adapter knows no event bus: the runtime's EventBus satisfies
 * this structurally, a test or another front end can pass anything with these two methods.
 */
export interface PoolReporter {
  hostState(host: string, state: 'connecting', detail?: string): void;
  log(level: 'debug', message: string, host?: string): void;
}
