/**
 * What an operation gets from its session (Runtime) and gives back (OperationResult). Operations
 * never touch process.*, commander or a prompt: a question goes through `ask`, a change to a host
 * through a ChangeGate, so the CLI, an MCP server or a web UI can each run the same operation.
 */
import type { SshPool, SshSettings } from '../adapters/ssh/types.js';
import type { FleetError } from '../core/errors.js';
import type { HostTarget } from '../core/host.js';
import type { EventBus } from './events.js';

/** Every question an operation may ask. New questions get an id here, so front ends can answer them by id. */
export type QuestionId = 'down' | 'fewer-managers' | 'restore';

export interface ConfirmRequest {
  id: QuestionId;
  /** The yes/no question exactly as the CLI prints it today, e.g. 'Proceed? [y/N] '. */
  question: string;
  /** What will change, one line each; the CLI prints "fleet restore will:" and "  - line" before the question. */
  details?: string[];
}

/**
 * The injected `ask`. canAsk false = nobody can answer (no terminal, an MCP client without elicitation):
 * the operation then fails with the same usage error as today (or, for fewer-managers, stops).
 */
export interface Asker {
  canAsk(id: QuestionId): boolean;
  confirm(request: ConfirmRequest): Promise<boolean>;
}

/**
 * An Asker for tests and non-interactive front ends: answers from a table, records what was asked.
 * A question with no answer in the table cannot be asked (canAsk false; confirm answers no).
 */
export function scriptedAsker(
  answers: Partial<Record<QuestionId, boolean>>,
): Asker & { asked: ConfirmRequest[] } {
  const asked: ConfirmRequest[] = [];
  return {
    asked,
    canAsk: (id) => answers[id] !== undefined,
    confirm(request) {
      asked.push(request);
      return Promise.resolve(answers[request.id] ?? false);
    },
  };
}

export interface ChangeRecord {
  host?: string;
  description: string;
}

/** Every change to a host goes through this gate: a dry run records the sentence instead of acting. */
export interface ChangeGate {
  readonly dryRun: boolean;
  change<T>(host: string | undefined, description: string, action: () => Promise<T>): Promise<T | undefined>;
  readonly changes: ChangeRecord[];
}

/** What one operation gets from the session. Operations never touch process.*, commander or a prompt. */
export interface Runtime {
  readonly bus: EventBus;
  /** Aborted by the front end (first Ctrl-C, MCP cancel, closed browser tab). */
  readonly signal: AbortSignal;
  readonly ask: Asker;
  /** --sudo password, read by the front end before the run (never on a command line). */
  readonly sudoPassword?: string;
  /**
   * The session's SSH settings, for an operation that connects from other threads (push's workers,
   * ops/push/threads.ts): the same known_hosts files, host key policy, keys and secrets as `pool()`.
   */
  readonly sshSettings?: SshSettings;
  /** The session's SSH pool, created on first use; in a long-lived session it outlives the operation. */
  pool(): Promise<SshPool>;
  /** Closes this run's SSH connections now (the CLI does it before writing the report, as today). */
  releasePool(): Promise<void>;
  /**
   * Writes a run report (adapters/report-files writeRunReport); returns its path. Injected so tests redirect it.
   * `lastOf` makes the last-<command>.json copy (exec: the report without host output, pointing at `path`).
   */
  writeReport(
    command: string,
    report: unknown,
    startedAt: Date,
    path?: string,
    lastOf?: (path: string) => unknown,
  ): Promise<string>;
  /**
   * Takes the cluster lock (adapters/ssh/cluster-lock.ts) over this run's pool, held until
   * releasePool(). Throws FleetError 'locked' when another run holds it. Most callers go through
   * runtime/cluster-lock.ts lockClusterForRun, which also finds the inventory's pinned managers.
   */
  lockCluster(selected: HostTarget[], inventory: HostTarget[], options: ClusterLockRequest): Promise<void>;
  /**
   * What the lock's `alsoRun` script printed on this host (ClusterLockRequest.alsoRun), once it
   * finished; undefined when the lock did not run it there (or it failed). Optional: runtimes
   * without a lock (tests, `fleet facts`) leave it out, and callers then run the script themselves.
   */
  lockOutput?(host: string): Promise<string | undefined>;
  /**
   * What to do, synchronously, when the front end must end the process at once (the CLI's second
   * Ctrl-C): write the report of what happened so far. The latest hook wins; errors in it are ignored.
   */
  onForceExit(hook: () => void): void;
}

export interface ClusterLockRequest {
  /** The command named in the lock ("up", "backup", …), shown to whoever finds it held. */
  command: string;
  waitSeconds?: number;
  /** Lock through sudo (the run's --sudo), with the runtime's sudo password. */
  sudo?: boolean;
  /**
   * A read-only remote script (remote/*.sh name, then its arguments as single words) to run in the
   * lock's own remote shell on the selected hosts once the lock is held (`up`: `facts.sh
   * --docker-from-api`); read it back with lockOutput.
   */
  alsoRun?: string;
}

/** What every operation returns: its typed report/result, and the error that stopped it, if any. */
export interface OperationResult<R> {
  result: R;
  /** Set when the run stopped early; the front end decides how to show it (CLI: handleError → exit code). */
  error?: FleetError;
  /** Path of the JSON report written, when the operation writes one. */
  reportPath?: string;
}
