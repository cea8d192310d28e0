/**
 * Typed errors. Every failure fleet reports carries one of a small closed set of codes; one top-level
 * handler (src/frontends/cli/handle-error.ts) maps the code to an exit code and a one-line message.
 */
export type ErrorCode =
  | 'usage' // bad flags or arguments
  | 'inventory' // nodes.yml invalid, unknown host names
  | 'connect' // TCP refused/reset/unreachable, handshake failed
  | 'auth' // authentication refused
  | 'hostkey' // unknown or changed host key
  | 'timeout' // connect or command timeout
  | 'remote-exit' // a remote command exited non-zero
  | 'docker' // the Docker Engine API refused or failed
  | 'quorum' // the action would lose (or has lost) swarm quorum
  | 'partial' // some hosts failed, the rest succeeded
  | 'storage' // backup target (S3, folder) failed
  | 'integrity' // a checksum did not match
  | 'locked' // another run holds the cluster lock (or a detached backup job runs)
  | 'interrupted' // SIGINT/SIGTERM
  | 'internal' // a bug in fleet
  | 'degraded' // fleet status: the cluster answers but is not healthy (a node down, quorum margin 0, a service below its replicas)
  | 'converge'; // a service (or a drained node's tasks) did not converge: reasons from task status

/** Exit codes are part of the CLI contract: documented in `fleet --help` and README.md. */
export const EXIT_CODES: Record<ErrorCode, number> = {
  'remote-exit': 1,
  usage: 2,
  inventory: 2,
  connect: 3,
  auth: 3,
  hostkey: 3,
  timeout: 3,
  partial: 4,
  quorum: 5,
  docker: 6,
  storage: 7,
  integrity: 8,
  locked: 9,
  degraded: 10,
  converge: 11,
  internal: 70,
  interrupted: 130,
};

export interface FleetErrorOptions {
  hint?: string;
  host?: string;
  cause?: unknown;
  /** false for failures that retrying cannot fix (auth, host key, a command that already started). */
  retryable?: boolean;
}

export class FleetError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly host?: string;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: FleetErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FleetError';
    this.code = code;
    this.hint = options.hint;
    this.host = options.host;
    this.retryable = options.retryable ?? false;
  }

  get exitCode(): number {
    return EXIT_CODES[this.code];
  }
}

export function isFleetError(value: unknown): value is FleetError {
  return value instanceof FleetError;
}

/** Wraps anything thrown into a FleetError; unknown errors are bugs. */
export function toFleetError(value: unknown): FleetError {
  if (value instanceof FleetError) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new FleetError('internal', message, { cause: value });
}
