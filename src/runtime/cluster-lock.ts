/**
 * The one call every cluster-changing operation (up, down, backup, restore; later node/service/reboot/
 * bootstrap) makes right after opening its run session: lock the cluster on its hosts for the run.
 */
import type { HostTarget } from '../core/host.js';
import { applyIdentityFiles, resolveTargets, type TargetSelection } from './targets.js';
import type { Runtime } from './types.js';

export interface ClusterLockOptions extends TargetSelection {
  identity?: string[];
  sudo?: boolean;
  /** How long to wait for another run's lock; 0 = stop at once. */
  waitSeconds: number;
  /** ClusterLockRequest.alsoRun: a read-only remote script run in the lock's session (up: facts.sh). */
  alsoRun?: string;
}

/** What can take the lock: an operation's Runtime. */
export type LockingRun = Pick<Runtime, 'lockCluster'>;

/**
 * Takes the cluster lock for this run (released with the run's pool). On failure the front end
 * closes its session (e.g. runWithCli's finally); this throws FleetError 'locked' (exit 9) or
 * 'interrupted'.
 */
export async function lockClusterForRun(
  session: LockingRun,
  command: string,
  selected: HostTarget[],
  opts: ClusterLockOptions,
): Promise<void> {
  const all = await resolveTargets({ inventory: opts.inventory, all: true }, undefined, {
    defaultToAll: true,
  }).catch(() => undefined);
  const inventory = all?.inventory ? applyIdentityFiles(all.hosts, opts) : [];
  await session.lockCluster(selected, inventory, {
    command,
    waitSeconds: opts.waitSeconds,
    sudo: Boolean(opts.sudo),
    alsoRun: opts.alsoRun,
  });
}
