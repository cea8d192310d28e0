/**
 * The one call every cluster-changing operation (up, down, backup, restore; later node/service/reboot/
 * bootstrap) makes right after opening its run session: lock the cluster on its hosts for the run.
 */
import type { HostTarget } from '../core/host.js';
import type { RunSession } from './session.js';
import { applyIdentityFiles, resolveTargets, type TargetSelection } from './targets.js';

export interface ClusterLockOptions extends TargetSelection {
  identity?: string[];
  sudo?: boolean;
  /** How long to wait for another run's lock; 0 = stop at once. */
  waitSeconds: number;
}

/**
 * Takes the cluster lock for this run (released when the session closes its pool). On failure the
 * session is closed, so the caller only rethrows: FleetError 'locked' (exit 9) or 'interrupted'.
 */
export async function lockClusterForRun(
  session: RunSession,
  command: string,
  selected: HostTarget[],
  opts: ClusterLockOptions,
): Promise<void> {
  try {
    const all = await resolveTargets({ inventory: opts.inventory, all: true }, undefined, {
      defaultToAll: true,
    }).catch(() => undefined);
    const inventory = all?.inventory ? applyIdentityFiles(all.hosts, opts) : [];
    await session.lockCluster(selected, inventory, {
      command,
      waitSeconds: opts.waitSeconds,
      sudo: Boolean(opts.sudo),
    });
  } catch (err) {
    await session.close();
    throw err;
  }
}
