/**
 * The session: what lives as long as the front end wants — one CLI command, or a whole MCP server
 * process: the event bus, SSH settings whose warnings become events, the sudo password, the asker
 * and the SSH pool. Each operation gets its own Runtime from `begin()`: its own abort signal,
 * cluster lock and force-exit hook. No view, no signal handlers, no process.*: those belong to the
 * front end (the CLI's are in frontends/cli/run-command.ts).
 */
import { setMaxListeners } from 'node:events';
import { writeRunReport } from '../adapters/report-files.js';
import type { ClusterLock } from '../adapters/ssh/cluster-lock.js';
import type { SshPool, SshSettings } from '../adapters/ssh/types.js';
import type { HostTarget } from '../core/host.js';
import { EventBus } from './events.js';
import type { Asker, ClusterLockRequest, Runtime } from './types.js';

export interface SessionOptions {
  ssh: SshSettings;
  sudoPassword?: string;
  ask: Asker;
  /** Where run reports go; default adapters/report-files writeRunReport (tests redirect it). */
  writeReport?: Runtime['writeReport'];
  /**
   * true for a session that runs many operations (MCP server, web view): an operation's
   * releasePool() then only releases its cluster lock, and the connections stay for the next
   * operation until close(). The CLI runs one operation per session and leaves it unset:
   * releasePool() closes the connections, as before.
   */
  keepPoolBetweenOperations?: boolean;
}

/** One operation's Runtime, plus what only its front end may do with it. */
export interface OperationRuntime extends Runtime {
  /** Aborts this operation's signal (the CLI's first Ctrl-C, an MCP cancel). */
  abort(): void;
  /** Runs the onForceExit hook, if any, synchronously, ignoring its errors (just before exiting). */
  forceExit(): void;
  /** The operation is over: releases its cluster lock (and connections, see releasePool) and unlinks its signal. */
  end(): Promise<void>;
}

/** Lives as long as the front end wants: one CLI command, or the whole MCP server process. */
export interface Session {
  readonly bus: EventBus;
  readonly settings: SshSettings;
  readonly sudoPassword?: string;
  /**
   * One operation's Runtime: its own AbortController (aborted too when `signal` is). `bus` gives the
   * operation a bus of its own (an MCP call turns its events into that call's progress notifications;
   * the web view streams one operation's output to one page); default: the session's bus.
   */
  begin(o?: { signal?: AbortSignal; bus?: EventBus }): OperationRuntime;
  /** Releases every operation's cluster lock (if taken), then closes every SSH connection; safe to call more than once. */
  closePool(): Promise<void>;
  /** Ends every operation begun, then closes the pool. */
  close(): Promise<void>;
}

export function openSession(o: SessionOptions): Session {
  // A factory (~100 lines): its length is the Runtime's methods (pool, lock, report, abort, end), each
  // short, sharing the session's pool and the operation's lock through the closure.
  const bus = new EventBus();
  const settings: SshSettings = { ...o.ssh, warn: (message, host) => bus.log('warn', message, host) };
  const { sudoPassword, ask } = o;
  const writeReport = o.writeReport ?? writeRunReport;
  const running = new Set<OperationRuntime>();

  let pool: SshPool | undefined;
  const getPool = async (): Promise<SshPool> => {
    if (!pool) {
      // ssh2 is loaded only when a command first connects: `fleet --help` stays light.
      const { createSshPool } = await import('../adapters/ssh/pool.js');
      pool ??= createSshPool(settings, bus);
    }
    return pool;
  };
  const closeConnections = async (): Promise<void> => {
    const open = pool;
    pool = undefined;
    await open?.closeAll().catch(() => undefined);
  };

  const begin = (b: { signal?: AbortSignal; bus?: EventBus } = {}): OperationRuntime => {
    const controller = new AbortController();
    // Every host's connect, exec and API call listens on this one signal: hundreds of listeners by design.
    setMaxListeners(0, controller.signal);
    const parent = b.signal;
    const onParentAbort = (): void => controller.abort();
    if (parent?.aborted) controller.abort();
    else parent?.addEventListener('abort', onParentAbort, { once: true });

    let lock: ClusterLock | undefined;
    let forceExitHook: (() => void) | undefined;
    const releaseLock = async (): Promise<void> => {
      const held = lock;
      lock = undefined;
      await held?.release();
    };
    const releasePool = async (): Promise<void> => {
      await releaseLock();
      if (!o.keepPoolBetweenOperations) await closeConnections();
    };
    const rt: OperationRuntime = {
      bus: b.bus ?? bus,
      signal: controller.signal,
      ask,
      sudoPassword,
      sshSettings: settings,
      pool: getPool,
      releasePool,
      writeReport: (command, report, startedAt, path, lastOf) =>
        writeReport(command, report, startedAt, path, lastOf),
      async lockCluster(selected: HostTarget[], inventory: HostTarget[], request: ClusterLockRequest) {
        const { acquireClusterLock } = await import('../adapters/ssh/cluster-lock.js');
        lock = await acquireClusterLock(await getPool(), selected, inventory, {
          ...request,
          sudoPassword,
          signal: controller.signal,
          log: (level, message, host) => rt.bus.log(level, message, host),
        });
      },
      lockOutput: (host) => lock?.output(host) ?? Promise.resolve(undefined),
      onForceExit(hook) {
        forceExitHook = hook;
      },
      abort: () => controller.abort(),
      forceExit() {
        try {
          forceExitHook?.();
        } catch {
          // Exiting is what the user asked for; a report that cannot be written must not stop it.
        }
      },
      async end() {
        running.delete(rt);
        parent?.removeEventListener('abort', onParentAbort);
        await releasePool();
      },
    };
    running.add(rt);
    return rt;
  };

  const closePool = async (): Promise<void> => {
    for (const rt of running) await rt.releasePool();
    await closeConnections();
  };
  return {
    bus,
    settings,
    sudoPassword,
    begin,
    closePool,
    async close() {
      for (const rt of [...running]) await rt.end();
      await closeConnections();
    },
  };
}
