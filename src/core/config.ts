/**
 * Configuration precedence, in one place: flags > FLEET_* environment > nodes.yml `defaults` >
 * built-in defaults (~/.ssh/config fills host settings none of these set; see selectors.ts). A bad value
 * is an error naming where it came from: `FLEET_MAX_JOBS=abc: must be a positive integer`.
 */
import { FleetError } from './errors.js';
import type { InventoryDefaults, SwarmNetworkSettings } from './inventory-model.js';

export type Env = Readonly<Record<string, string | undefined>>;
export type SettingSource = 'flag' | 'env' | 'inventory' | 'builtin';

/** Parses a raw value or returns the reason it is invalid (a phrase after "must"). */
export type Parser<T> = (raw: string) => { value: T } | { error: string };

export const parsePositiveInt: Parser<number> = (raw) =>
  /^\s*\d+\s*$/.test(raw) && Number(raw) >= 1
    ? { value: Number(raw) }
    : { error: 'must be a positive integer' };

export const parseNonNegativeInt: Parser<number> = (raw) =>
  /^\s*\d+\s*$/.test(raw) ? { value: Number(raw) } : { error: 'must be a whole number (0 or more)' };

export const parsePositiveSeconds: Parser<number> = (raw) => {
  const n = /^\s*\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : NaN;
  return n > 0 ? { value: n } : { error: 'must be a number of seconds greater than 0' };
};

export const parseNonNegativeSeconds: Parser<number> = (raw) =>
  /^\s*\d+(\.\d+)?\s*$/.test(raw)
    ? { value: Number(raw) }
    : { error: 'must be a number of seconds (0 or more)' };

export const parseBoolean: Parser<boolean> = (raw) => {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return { value: true };
  if (['0', 'false', 'no', 'off'].includes(v)) return { value: false };
  return { error: 'must be true or false (1/0, yes/no, on/off)' };
};

export interface SettingSpec<T> {
  /** Flag as the user types it, for messages: `--concurrency`. */
  flag?: string;
  /** Environment variable name. */
  env?: string;
  parse: Parser<T>;
  builtin: T;
}

export interface Layers<T> {
  /** Commander gives strings (or numbers if the option parses); undefined = not given. */
  flagValue?: string | number | boolean;
  env?: Env;
  /** Already validated by the schema. */
  inventoryValue?: T;
}

export interface Resolved<T> {
  value: T;
  source: SettingSource;
}

/** The highest layer that has a value wins; an invalid flag or variable is an error, never skipped. */
export function resolveSetting<T>(spec: SettingSpec<T>, layers: Layers<T>): Resolved<T> {
  if (layers.flagValue !== undefined) {
    const raw = String(layers.flagValue);
    const parsed = spec.parse(raw);
    if ('error' in parsed) {
      throw new FleetError('usage', `${spec.flag ?? 'option'}=${raw}: ${parsed.error}`);
    }
    return { value: parsed.value, source: 'flag' };
  }
  const envRaw = spec.env ? layers.env?.[spec.env] : undefined;
  if (spec.env && envRaw !== undefined && envRaw.trim() !== '') {
    const parsed = spec.parse(envRaw);
    if ('error' in parsed) {
      throw new FleetError('usage', `${spec.env}=${envRaw}: ${parsed.error}`, {
        hint: `fix or unset ${spec.env}`,
      });
    }
    return { value: parsed.value, source: 'env' };
  }
  if (layers.inventoryValue !== undefined) return { value: layers.inventoryValue, source: 'inventory' };
  return { value: spec.builtin, source: 'builtin' };
}

/** The knobs shared by every command that talks to hosts. */
export const RUN_SETTINGS = {
  maxJobs: { flag: '--concurrency', env: 'FLEET_MAX_JOBS', parse: parsePositiveInt, builtin: 32 },
  sshTimeout: {
    flag: '--connect-timeout',
    env: 'FLEET_SSH_TIMEOUT',
    parse: parsePositiveSeconds,
    builtin: 10,
  },
  retryCount: { flag: '--retries', env: 'FLEET_RETRY_COUNT', parse: parseNonNegativeInt, builtin: 2 },
  retryDelay: { flag: '--retry-delay', env: 'FLEET_RETRY_DELAY', parse: parseNonNegativeSeconds, builtin: 1 },
} satisfies Record<string, SettingSpec<number>>;

export interface RunSettings {
  /** Hosts worked on at once. */
  maxJobs: number;
  /** SSH connect timeout, seconds. */
  sshTimeout: number;
  /** Connection-level retries (never re-runs a started command). */
  retryCount: number;
  /** Seconds before the first retry. */
  retryDelay: number;
}

export type RunSettingFlags = Partial<Record<keyof RunSettings, string | number | undefined>>;

export function resolveRunSettings(
  flags: RunSettingFlags,
  env: Env,
  defaults?: Pick<InventoryDefaults, keyof RunSettings>,
): RunSettings & { sources: Record<keyof RunSettings, SettingSource> } {
  const out = {} as RunSettings;
  const sources = {} as Record<keyof RunSettings, SettingSource>;
  for (const name of Object.keys(RUN_SETTINGS) as Array<keyof RunSettings>) {
    const r = resolveSetting(RUN_SETTINGS[name], {
      flagValue: flags[name],
      env,
      inventoryValue: defaults?.[name],
    });
    out[name] = r.value;
    sources[name] = r.source;
  }
  return { ...out, sources };
}

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
