/**
 * `--wait-lock [SECONDS]`, and the CLI form of runtime/cluster-lock.ts's lockClusterForRun (the one
 * call every cluster-changing command makes right after opening its run session: runWithCli's `lock`).
 */
import { Option, type Command } from 'commander';
import type { HostTarget } from '../../core/host.js';
import { lockClusterForRun as lockClusterIn, type LockingRun } from '../../runtime/cluster-lock.js';
import { parseSeconds, type SshCliOptions } from './ssh-options.js';
import type { TargetCliOptions } from './target-options.js';

/** `--wait-lock` without a number waits this long. */
export const DEFAULT_WAIT_LOCK_SECONDS = 600;

export interface LockCliOptions {
  /** true when given without a number. */
  waitLock?: number | true;
}

export const CLUSTER_LOCK_HELP = `
Cluster lock: up, down, backup and restore lock the cluster on its hosts (every selected host plus the
managers pinned in nodes.yml, or every inventory host when none is pinned) for the whole run. A second
run, from this machine or another, stops with exit 9 naming who holds it (host, user, pid, since), or
waits with --wait-lock. A run that dies releases it by itself. plan and --dry-run take no lock.`;

export function addWaitLockOption(cmd: Command): Command {
  return cmd.addOption(
    new Option(
      '--wait-lock [seconds]',
      `wait for another run's cluster lock instead of stopping (default ${DEFAULT_WAIT_LOCK_SECONDS} s)`,
    ).argParser(parseSeconds('--wait-lock')),
  );
}

export function waitLockSeconds(opts: LockCliOptions): number {
  if (opts.waitLock === undefined) return 0;
  return opts.waitLock === true ? DEFAULT_WAIT_LOCK_SECONDS : opts.waitLock;
}

/** The flags the lock reads: the inventory (pinned managers), identities, --sudo, --wait-lock. */
export type ClusterLockCliOptions = TargetCliOptions &
  Pick<SshCliOptions, 'identity' | 'sudo'> &
  LockCliOptions;

/** runtime/cluster-lock.ts lockClusterForRun with the CLI's --wait-lock turned into seconds. */
export function lockClusterForRun(
  session: LockingRun,
  command: string,
  selected: HostTarget[],
  opts: ClusterLockCliOptions & { alsoRun?: string },
): Promise<void> {
  return lockClusterIn(session, command, selected, { ...opts, waitSeconds: waitLockSeconds(opts) });
}
