/**
 * Cluster-wide settings from nodes.yml `defaults` and where the inventory file is found.
 * The run knobs (concurrency, timeouts, retries) follow flags > FLEET_* environment > nodes.yml
 * `defaults` > built-in: commander applies flags, environment and built-ins (and names the variable
 * when one is invalid); src/frontends/cli/ssh-options.ts applyInventoryDefaults slots nodes.yml in between.
 */
import { FleetError } from './errors.js';
import type { InventoryDefaults, SwarmNetworkSettings } from './inventory-model.js';

export type Env = Readonly<Record<string, string | undefined>>;
export type SettingSource = 'flag' | 'env' | 'inventory' | 'builtin';

/** The overlay network `fleet up` manages (the Fleet Commander defaults). */
export const DEFAULT_SWARM_NETWORK: Required<SwarmNetworkSettings> = {
  name: 'fleet-network',
  subnet: '10.10.0.0/16',
  attachable: true,
};

export function resolveSwarmNetwork(defaults?: InventoryDefaults): Required<SwarmNetworkSettings> {
  const n = defaults?.swarm.network ?? {};
  return {
    name: n.name ?? DEFAULT_SWARM_NETWORK.name,
    subnet: n.subnet ?? DEFAULT_SWARM_NETWORK.subnet,
    attachable: n.attachable ?? DEFAULT_SWARM_NETWORK.attachable,
  };
}

// Backup target and S3 settings (defaults.backup) are resolved by src/adapters/s3/config.ts
// (resolveStoreTarget), with the same precedence; credentials never pass through config.

export interface InventoryLookup {
  /** -f/--inventory */
  flag?: string;
  env: Env;
  /** Whether a file exists (injected: this module does no I/O). */
  exists: (path: string) => boolean;
}

/**
 * Which nodes.yml to read: -f, else FLEET_INVENTORY, else ./nodes.yml when it exists, else none.
 * A file named explicitly (flag or variable) must exist.
 */
export function locateInventory(
  lookup: InventoryLookup,
): { path: string; source: SettingSource } | undefined {
  if (lookup.flag !== undefined) {
    if (!lookup.exists(lookup.flag)) {
      throw new FleetError('inventory', `inventory file not found: ${lookup.flag} (from -f/--inventory)`);
    }
    return { path: lookup.flag, source: 'flag' };
  }
  const fromEnv = lookup.env.FLEET_INVENTORY?.trim();
  if (fromEnv) {
    if (!lookup.exists(fromEnv)) {
      throw new FleetError('inventory', `FLEET_INVENTORY=${fromEnv}: file not found`, {
        hint: 'fix or unset FLEET_INVENTORY',
      });
    }
    return { path: fromEnv, source: 'env' };
  }
  if (lookup.exists('nodes.yml')) return { path: 'nodes.yml', source: 'builtin' };
  return undefined;
}
