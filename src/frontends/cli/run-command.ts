/**
 * How the CLI runs an operation: SSH settings and sudo password from the flags, a session
 * (runtime/session.ts), the view, Ctrl-C handling — the first Ctrl-C aborts the operation's signal
 * so it can stop its work and still write its report; a second exits now — then the operation
 * with its Runtime, then everything closed again.
 */
import type { HostTarget } from '../../core/host.js';
import { openSession, type OperationRuntime, type Session } from '../../runtime/session.js';
import type { Runtime } from '../../runtime/types.js';
import { chooseViewMode, createView } from '../../views/index.js';
import { cliAsker } from './ask.js';
import { lockClusterForRun, type ClusterLockCliOptions } from './cluster-lock-options.js';
import { sshSettingsFromOptions, sudoPasswordFromOptions, type SshCliOptions } from './ssh-options.js';

export interface CliRunOptions {
  json?: boolean;
  /** exec streams host output as it arrives; --group and the swarm commands do not. */
  streamOutput?: boolean;
  /** Warnings found while resolving targets (ssh_config, inventory), shown once the view exists. */
  warnings?: string[];
  /**
   * facts and score open no view and install no Ctrl-C handler today: they pass false, false.
   * Without a view nothing listens to the bus, so such a caller prints its own warnings.
   */
  view?: boolean;
  handleSignals?: boolean;
  /** "stopping remote commands and writing the report" — the text after "interrupted: ". */
  onInterrupt: string;
  /**
   * Cluster-changing commands (up, down, backup, restore) lock the cluster on the run's hosts after
   * the session opens and before the operation starts; held until the session closes.
   */
  lock?: {
    command: string;
    opts: ClusterLockCliOptions;
    /** A read-only remote script the lock's session runs on the selected hosts (Runtime.lockOutput). */
    alsoRun?: string;
  };
}

/**
 * Opens session + view + Ctrl-C handling, builds the Runtime, runs `op`, closes everything in the
 * same order as before the restructure (pool first, then view, then signal handlers).
 */
export async function runWithCli<R>(
  ssh: SshCliOptions,
  targets: HostTarget[],
  o: CliRunOptions,
  op: (rt: Runtime) => Promise<R>,
): Promise<R> {
  const run = await openCliRun(ssh, targets, o);
  try {
    if (o.lock)
      await lockClusterForRun(run.rt, o.lock.command, targets, { ...o.lock.opts, alsoRun: o.lock.alsoRun });
    return await op(run.rt);
  } finally {
    await run.close();
  }
}

interface CliRun {
  session: Session;
  rt: OperationRuntime;
  /** Closes the pool (releasing the cluster lock first), then the view, then removes the signal handlers. */
  close(): Promise<void>;
}

async function openCliRun(ssh: SshCliOptions, targets: HostTarget[], o: CliRunOptions): Promise<CliRun> {
  const settings = await sshSettingsFromOptions(ssh);
  const sudoPassword = await sudoPasswordFromOptions(ssh, targets);
  const session = openSession({ ssh: settings, sudoPassword, ask: cliAsker() });
  const { bus } = session;
  const view =
    o.view === false
      ? undefined
      : await createView(chooseViewMode(Boolean(o.json)), { bus, streamOutput: o.streamOutput });
  for (const warning of o.warnings ?? []) bus.log('warn', warning);

  const rt = session.begin();
  let interrupts = 0;
  const onSignal = (): void => {
    if (++interrupts > 1) {
      // The operation's onForceExit hook writes the report of what happened so far, synchronously.
      rt.forceExit();
      view?.abandon?.();
      process.exit(130);
    }
    bus.log('warn', `interrupted: ${o.onInterrupt} (Ctrl-C again to quit now)`);
    rt.abort();
  };
  const handleSignals = o.handleSignals !== false;
  if (handleSignals) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  return {
    session,
    rt,
    async close() {
      await session.close();
      await view?.close();
      if (handleSignals) {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    },
  };
}
