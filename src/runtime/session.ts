/**
 * What every command that talks to hosts sets up the same way: the event bus, SSH settings whose
 * warnings become events, the sudo password, the view, and Ctrl-C handling — the first Ctrl-C aborts
 * the shared signal so the command can stop its work and still write its report; a second exits now.
 */
import { setMaxListeners } from 'node:events';
import type { ClusterLock } from '../adapters/ssh/cluster-lock.js';
import type { SshPool, SshSettings } from '../adapters/ssh/types.js';
import type { HostTarget } from '../core/host.js';
import { EventBus } from './events.js';
import { chooseViewMode, createView } from '../views/index.js';
import {
  sshSettingsFromOptions,
  sudoPasswordFromOptions,
  type SshCliOptions,
} from '../frontends/cli/ssh-options.js';

export interface RunSession {
  bus: EventBus;
  settings: SshSettings;
  sudoPassword?: string;
  /** Aborted by the first SIGINT/SIGTERM. */
  signal: AbortSignal;
  /** The SSH pool, created on first use (ssh2 is loaded only then). */
  pool(): Promise<SshPool>;
  /**
   * Takes the cluster lock (src/adapters/ssh/cluster-lock.ts) over this session's pool; held until
   * closePool(). Throws FleetError 'locked' when another run holds it.
   */
  lockCluster(selected: HostTarget[], inventory: HostTarget[], options: SessionLockOptions): Promise<void>;
  /** Releases the cluster lock (if taken), then closes every SSH connection; safe to call more than once. */
  closePool(): Promise<void>;
  /** Closes the pool and the view and removes the signal handlers. */
  close(): Promise<void>;
  /**
   * What to do, synchronously, when a second Ctrl-C exits the process at once (write the report of
   * what happened so far). Errors in it are ignored: the exit must happen.
   */
  onForceExit(hook: () => void): void;
}

export interface SessionLockOptions {
  command: string;
  waitSeconds?: number;
  /** Lock through sudo (the run's --sudo), with the session's sudo password. */
  sudo?: boolean;
}

export interface RunSessionOptions {
  json?: boolean;
  /** exec streams host output as it arrives; --group and the swarm commands do not. */
  streamOutput?: boolean;
  /** Warnings found while resolving targets (ssh_config, inventory), shown once the view exists. */
  warnings?: string[];
  /** What the first Ctrl-C will do, e.g. "stopping remote commands and writing the report". */
  onInterrupt: string;
}

export async function openRunSession(
  opts: SshCliOptions,
  targets: HostTarget[],
  options: RunSessionOptions,
): Promise<RunSession> {
  const bus = new EventBus();
  const settings = await sshSettingsFromOptions(opts);
  settings.warn = (message, host) => bus.log('warn', message, host);
  const sudoPassword = await sudoPasswordFromOptions(opts, targets);
  const view = await createView(chooseViewMode(Boolean(options.json)), {
    bus,
    streamOutput: options.streamOutput,
  });
  for (const warning of options.warnings ?? []) bus.log('warn', warning);

  const controller = new AbortController();
  // Every host's connect, exec and API call listens on this one signal: hundreds of listeners by design.
  setMaxListeners(0, controller.signal);
  let interrupts = 0;
  let forceExitHook: (() => void) | undefined;
  const onSignal = (): void => {
    if (++interrupts > 1) {
      try {
        forceExitHook?.();
      } catch {
        // Exiting is what the user asked for; a report that cannot be written must not stop it.
      }
      process.exit(130);
    }
    bus.log('warn', `interrupted: ${options.onInterrupt} (Ctrl-C again to quit now)`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let pool: SshPool | undefined;
  let lock: ClusterLock | undefined;
  const closePool = async (): Promise<void> => {
    const held = lock;
    lock = undefined;
    await held?.release();
    const open = pool;
    pool = undefined;
    await open?.closeAll().catch(() => undefined);
  };
  const getPool = async (): Promise<SshPool> => {
    if (!pool) {
      const { createSshPool } = await import('../adapters/ssh/pool.js');
      pool = createSshPool(settings, bus);
    }
    return pool;
  };
  return {
    bus,
    settings,
    sudoPassword,
    signal: controller.signal,
    pool: getPool,
    async lockCluster(selected, inventory, lockOptions) {
      const { acquireClusterLock } = await import('../adapters/ssh/cluster-lock.js');
      lock = await acquireClusterLock(await getPool(), selected, inventory, {
        ...lockOptions,
        sudoPassword,
        signal: controller.signal,
        log: (level, message, host) => bus.log(level, message, host),
      });
    },
    closePool,
    onForceExit(hook) {
      forceExitHook = hook;
    },
    async close() {
      await closePool();
      await view.close();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
