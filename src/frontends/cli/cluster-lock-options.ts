/**
 * `--wait-lock [SECONDS]` and the one call every cluster-changing command (up, down, backup, restore;
 * later node/service/reboot/bootstrap) makes right after opening its run session.
 */
import { Option, type Command } from 'commander';
import type { HostTarget } from '../../core/host.js';
import type { RunSession } from '../../runtime/session.js';
import { applyIdentityFiles, parseSeconds, type SshCliOptions } from './ssh-options.js';
import { resolveTargets, type TargetCliOptions } from './target-options.js';

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

/**
 * Takes the cluster lock for this run (released when the session closes its pool). On failure the
 * session is closed, so the caller only rethrows: FleetError 'locked' (exit 9) or 'interrupted'.
 */
export async function lockClusterForRun(
  session: RunSession,
  command: string,
  selected: HostTarget[],
  opts: TargetCliOptions & Pick<SshCliOptions, 'identity' | 'sudo'> & LockCliOptions,
): Promise<void> {
  try {
    const all = await resolveTargets({ inventory: opts.inventory, all: true }, undefined, {
      defaultToAll: true,
    }).catch(() => undefined);
    const inventory = all?.inventory ? applyIdentityFiles(all.hosts, opts) : [];
    await session.lockCluster(selected, inventory, {
      command,
      waitSeconds: waitLockSeconds(opts),
      sudo: Boolean(opts.sudo),
    });
  } catch (err) {
    await session.close();
    throw err;
  }
}
