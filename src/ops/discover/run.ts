/**
 * `fleet discover --cidr RANGE`: scan the range for SSH, log in with the configured credentials
 * (~/.ssh/config, keys, agent, FLEET_SSH_PASSWORD), read facts, write a draft nodes.yml to review.
 * `fleet up --discover RANGE` does the same and starts from the draft.
 */
import { writeFileSafely } from '../../adapters/fs/safe-write.js';
import { existsSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import type { SshSettings } from '../../adapters/ssh/types.js';
import { FleetError, toFleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import { applyIdentityFiles } from '../../runtime/targets.js';
import { forEachHost } from '../../runtime/for-each-host.js';
import type { Runtime } from '../../runtime/types.js';
import { readFacts } from '../shared/facts-reader.js';
import { draftInventory, type DiscoveredHost } from '../../core/inventory-draft.js';
import { cidrHosts, parseCidr } from '../../core/cidr.js';
import { scanSsh } from './scan.js';

export interface DiscoverInput {
  cidr: string;
  /** Where the draft goes (default nodes.yml). */
  output?: string;
  overwrite?: boolean;
  /** Allow ranges larger than /16. */
  force?: boolean;
  user?: string;
  port?: number;
  scanTimeout?: number;
  scanConcurrency?: number;
  /** --identity files, tried before the default keys. */
  identity?: string[];
  /**
   * SSH settings for the logins. A function is called only once the scan is done, so a password
   * prompt (--ask-pass) comes after the scan's summary line, as it always did.
   */
  ssh: SshSettings | (() => Promise<SshSettings>);
}

export interface DiscoverResult {
  hosts: DiscoveredHost[];
  /** Addresses probed. */
  scanned: number;
}

/** What discover needs from a session: only the bus (its logins use their own pool, closed at the end). */
export type DiscoverRuntime = Pick<Runtime, 'bus'>;

/** Scans the range, logs into every SSH server found and reads its facts (one host's failure stops no other). */
export async function discover(input: DiscoverInput, rt: DiscoverRuntime): Promise<DiscoverResult> {
  const range = parseCidr(input.cidr, Boolean(input.force));
  const addresses = cidrHosts(range);
  const port = input.port ?? 22;
  const started = Date.now();
  const found = await scanSsh(addresses, {
    port,
    timeoutMs: Math.round((input.scanTimeout ?? 1) * 1000),
    concurrency: input.scanConcurrency ?? 128,
  });
  rt.bus.log(
    'info',
    `discover: ${found.length} SSH servers in ${input.cidr} (${addresses.length} addresses, ${Date.now() - started} ms)`,
  );

  const home = homedir();
  const localUser = userInfo().username;
  const ssh = await import('../../adapters/ssh/index.js');
  const config = ssh.loadSshConfig(undefined, home);
  const targets: HostTarget[] = applyIdentityFiles(
    found.map((ip) =>
      ssh.applySshConfig(
        {
          id: ip,
          address: ip,
          port,
          user: input.user ?? localUser,
          identityFiles: ssh.defaultIdentityFiles(home),
        },
        config,
        { keep: { user: Boolean(input.user), port: input.port !== undefined }, home, localUser },
      ),
    ),
    input,
  );
  const settings = typeof input.ssh === 'function' ? await input.ssh() : input.ssh;
  const pool = ssh.createSshPool(settings);
  try {
    const hosts = await forEachHost(targets, { concurrency: 32 }, async (t): Promise<DiscoveredHost> => {
      try {
        const { facts } = await readFacts(await pool.connect(t));
        return {
          ip: t.address,
          user: t.user,
          port: t.port,
          hostname: facts.hostname,
          type: facts.deviceType,
        };
      } catch (err) {
        return { ip: t.address, user: t.user, port: t.port, error: toFleetError(err).message };
      }
    });
    return { hosts, scanned: addresses.length };
  } finally {
    await pool.closeAll().catch(() => undefined);
  }
}

export async function writeDraft(
  path: string,
  opts: { cidr: string; overwrite?: boolean },
  hosts: DiscoveredHost[],
): Promise<void> {
  if (existsSync(path) && !opts.overwrite) {
    throw new FleetError('usage', `${path} exists; not overwriting it with a draft`, {
      hint: 'pass --output FILE for another file, or --overwrite',
    });
  }
  const header = [
    `# Draft written by fleet discover --cidr ${opts.cidr} on ${new Date().toISOString()}.`,
    '# Review it (ids, types, roles, labels) before fleet up. Schema: schema/nodes.schema.json',
  ].join('\n');
  const text = draftInventory(hosts, header);
  const { parseInventory } = await import('../../core/inventory.js');
  parseInventory(text, path); // a draft fleet cannot read back would be a bug here, not the user's
  await writeFileSafely(path, text, { what: 'draft inventory' });
}

/**
 * `fleet discover` as an operation: discover, write the draft (never over an existing file without
 * `overwrite`), log one line per host. The front end prints the summary and picks the exit code.
 */
export async function run(
  input: DiscoverInput,
  rt: DiscoverRuntime,
): Promise<DiscoverResult & { path: string }> {
  const { hosts, scanned } = await discover(input, rt);
  const path = input.output ?? 'nodes.yml';
  await writeDraft(path, input, hosts);
  for (const h of hosts) {
    rt.bus.log('info', h.error ? `${h.ip}: not added: ${h.error}` : `${h.ip}: ${h.hostname} (${h.type})`);
  }
  return { hosts, scanned, path };
}

/**
 * For `fleet up --discover CIDR`: writes the draft (default nodes.discovered.yml, never over an
 * inventory the user named) and returns its path.
 */
export async function discoverToInventory(
  input: Omit<DiscoverInput, 'output' | 'overwrite' | 'force'> & { inventory?: string },
  rt: DiscoverRuntime,
): Promise<string> {
  const dinput: DiscoverInput = { ...input, overwrite: true, force: false };
  const path = input.inventory ?? 'nodes.discovered.yml';
  if (input.inventory && existsSync(path)) {
    throw new FleetError('usage', `--discover would overwrite ${path}`, {
      hint: 'leave out -f: the draft goes to nodes.discovered.yml',
    });
  }
  const { hosts } = await discover(dinput, rt);
  if (!hosts.some((h) => !h.error))
    throw new FleetError('connect', `no host in ${input.cidr} accepted an SSH login`);
  await writeDraft(path, dinput, hosts);
  rt.bus.log('info', `discover: draft inventory ${path}`);
  return path;
}
