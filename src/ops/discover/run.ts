/**
 * `fleet discover --cidr RANGE`: scan the range for SSH, log in with the configured credentials
 * (~/.ssh/config, keys, agent, FLEET_SSH_PASSWORD), read facts, write a draft nodes.yml to review.
 * `fleet up --discover RANGE` does the same and starts from the draft.
 */
import { writeFileSafely } from '../../adapters/fs/safe-write.js';
import { existsSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import pLimit from 'p-limit';
import {
  applyIdentityFiles,
  sshSettingsFromOptions,
  type SshCliOptions,
} from '../../frontends/cli/ssh-options.js';
import { FleetError, toFleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import { redact } from '../../core/redact.js';
import { readFacts } from '../shared/facts-reader.js';
import { draftInventory, type DiscoveredHost } from '../../core/inventory-draft.js';
import { cidrHosts, parseCidr, scanSsh } from './scan.js';

export interface DiscoverOptions extends SshCliOptions {
  cidr: string;
  output?: string;
  overwrite?: boolean;
  force?: boolean;
  user?: string;
  port?: number;
  scanTimeout?: number;
  scanConcurrency?: number;
}

const log = (line: string) => process.stderr.write(redact(line) + '\n');

export async function discover(opts: DiscoverOptions): Promise<{ hosts: DiscoveredHost[]; scanned: number }> {
  const range = parseCidr(opts.cidr, Boolean(opts.force));
  const addresses = cidrHosts(range);
  const port = opts.port ?? 22;
  const started = Date.now();
  const found = await scanSsh(addresses, {
    port,
    timeoutMs: Math.round((opts.scanTimeout ?? 1) * 1000),
    concurrency: opts.scanConcurrency ?? 128,
  });
  log(
    `discover: ${found.length} SSH servers in ${opts.cidr} (${addresses.length} addresses, ${Date.now() - started} ms)`,
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
          user: opts.user ?? localUser,
          identityFiles: ssh.defaultIdentityFiles(home),
        },
        config,
        { keep: { user: Boolean(opts.user), port: opts.port !== undefined }, home, localUser },
      ),
    ),
    opts,
  );
  const settings = await sshSettingsFromOptions(opts);
  const pool = ssh.createSshPool(settings);
  const limit = pLimit(32);
  try {
    const hosts = await Promise.all(
      targets.map((t) =>
        limit(async (): Promise<DiscoveredHost> => {
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
        }),
      ),
    );
    return { hosts, scanned: addresses.length };
  } finally {
    await pool.closeAll().catch(() => undefined);
  }
}

export async function writeDraft(
  path: string,
  opts: DiscoverOptions,
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

export async function discoverAction(opts: DiscoverOptions): Promise<number> {
  const { hosts } = await discover(opts);
  const path = opts.output ?? 'nodes.yml';
  await writeDraft(path, opts, hosts);
  const ok = hosts.filter((h) => !h.error);
  for (const h of hosts) {
    log(h.error ? `${h.ip}: not added: ${h.error}` : `${h.ip}: ${h.hostname} (${h.type})`);
  }
  process.stdout.write(
    `wrote ${path}: ${ok.length} hosts${hosts.length > ok.length ? `, ${hosts.length - ok.length} not reachable by SSH login (listed in it as comments)` : ''}\n`,
  );
  if (hosts.length === 0) return 3;
  return ok.length === hosts.length ? 0 : 4;
}

/** For `fleet up --discover CIDR`: writes the draft (default nodes.discovered.yml) and returns its path. */
export async function discoverToInventory(
  cidr: string,
  opts: SshCliOptions & { inventory?: string; force?: boolean },
): Promise<string> {
  const dopts: DiscoverOptions = { ...opts, cidr, overwrite: true, force: false };
  const path = opts.inventory ?? 'nodes.discovered.yml';
  if (opts.inventory && existsSync(path)) {
    throw new FleetError('usage', `--discover would overwrite ${path}`, {
      hint: 'leave out -f: the draft goes to nodes.discovered.yml',
    });
  }
  const { hosts } = await discover(dopts);
  if (!hosts.some((h) => !h.error))
    throw new FleetError('connect', `no host in ${cidr} accepted an SSH login`);
  await writeDraft(path, dopts, hosts);
  log(`discover: draft inventory ${path}`);
  return path;
}
