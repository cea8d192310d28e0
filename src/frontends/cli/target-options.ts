/**
 * The host selection flags every host command shares (-f, -n, -x, --role, --all) and the one function
 * that turns them into HostTargets: find and read nodes.yml, validate it, select, then let
 * ~/.ssh/config fill what nothing else set. Heavy modules (ajv, yaml) load only when a command runs.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir, userInfo } from 'node:os';
import { dirname, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { Env } from '../../core/config.js';
import { FleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import type { Inventory, NodeRole } from '../../core/inventory-model.js';
import type { HostSelection } from '../../core/selectors.js';
import type { SshConfig } from '../../adapters/ssh/ssh-config.js';
import type { SshCliOptions } from './ssh-options.js';

export interface TargetCliOptions {
  inventory?: string;
  nodes?: string[];
  exclude?: string[];
  role?: string;
  all?: boolean;
}

export const TARGET_OPTIONS_HELP = `
Hosts:
  -n takes names, ranges and lists: agx-01..15, 'agx-[01-15,17]', 10.77.2.[2-20], spark,agx-01,
  @type or @group from nodes.yml (@jetson-agx-xavier, @gpu), and root@host or host:2222.
  -n and -x repeat; -x wins. --role uses the live swarm's roles (read from a manager of nodes.yml,
  pinned managers first), so it finds the managers fleet up chose too; with no swarm, the pins.
  nodes.yml is -f FILE, else $FLEET_INVENTORY, else ./nodes.yml when present. With an inventory,
  unknown names are an error; reach other machines as ssh://[user@]host[:port].`;

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function addTargetOptions(cmd: Command): Command {
  return cmd
    .option(
      '-f, --inventory <file>',
      'nodes.yml to use (default: $FLEET_INVENTORY, else ./nodes.yml if present)',
    )
    .option(
      '-n, --nodes <hosts>',
      'hosts to act on: agx-01..15, agx-[01-15,17], @type, @group (repeatable)',
      collect,
    )
    .option('-x, --exclude <hosts>', 'hosts to leave out, same syntax as -n (repeatable)', collect)
    .addOption(
      new Option(
        '--role <role>',
        'only nodes with this role in the swarm (else as pinned in nodes.yml)',
      ).choices(['manager', 'worker']),
    )
    .option('--all', 'every node in the inventory');
}

export interface ResolveContext {
  env?: Env;
  /** Directory nodes.yml paths are relative to (default: the current directory). */
  cwd?: string;
  homeDir?: string;
  localUser?: string;
  /**
   * Roles assigned by `fleet up`, used by --role instead of the pins. When absent and the options are
   * a command's full CLI options (SSH flags included), --role reads them from the live swarm.
   */
  roles?: ReadonlyMap<string, NodeRole>;
  /** A parsed ~/.ssh/config (tests), or false to skip it. Default: read ~/.ssh/config. */
  sshConfig?: SshConfig | false;
  /** With nothing selected, take every node instead of failing (commands whose default is "all"). */
  defaultToAll?: boolean;
}

export interface LoadedInventory {
  inventory?: Inventory;
  /** The path as given (-f, FLEET_INVENTORY or nodes.yml), as it appears in messages. */
  inventoryPath?: string;
}

export interface ResolvedTargets extends LoadedInventory {
  hosts: HostTarget[];
  /** ssh_config options fleet does not support that apply to a selected host. */
  warnings: string[];
}

/** The live swarm's roles of every host of nodes.yml, or undefined when no swarm answers. */
async function liveRoles(
  opts: TargetCliOptions & SshCliOptions,
  ctx: ResolveContext,
): Promise<ReadonlyMap<string, NodeRole> | undefined> {
  const everyone = await resolveTargets({ inventory: opts.inventory, all: true }, undefined, ctx);
  const [{ applyIdentityFiles }, { readLiveRoles }] = await Promise.all([
    import('./ssh-options.js'),
    import('../../ops/swarm/live-roles.js'),
  ]);
  return readLiveRoles(applyIdentityFiles(everyone.hosts, opts), opts);
}

/** Finds, reads and validates nodes.yml; no inventory when none is named and ./nodes.yml is absent. */
export async function loadInventory(
  opts: Pick<TargetCliOptions, 'inventory'>,
  ctx: ResolveContext = {},
): Promise<LoadedInventory> {
  const { locateInventory } = await import('../../core/config.js');
  const cwd = ctx.cwd ?? process.cwd();
  const found = locateInventory({
    flag: opts.inventory,
    env: ctx.env ?? process.env,
    exists: (p) => existsSync(resolve(cwd, p)),
  });
  if (!found) return {};
  let text: string;
  try {
    text = await readFile(resolve(cwd, found.path), 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new FleetError('inventory', `cannot read ${found.path}: ${reason}`, { cause: err });
  }
  const { parseInventory } = await import('../../core/inventory.js');
  return { inventory: parseInventory(text, found.path), inventoryPath: found.path };
}

/**
 * The hosts a command acts on. `onlyIds` (e.g. the failed hosts of the last report) replaces -n;
 * -x and --role still apply. Every error is raised here, before anything connects.
 */
export async function resolveTargets(
  opts: TargetCliOptions,
  onlyIds?: string[],
  ctx: ResolveContext = {},
): Promise<ResolvedTargets> {
  const loaded = await loadInventory(opts, ctx);
  const { inventory } = loaded;
  const { selectHostsDetailed, findNode, hasSelection } = await import('../../core/selectors.js');
  let sel: HostSelection = { nodes: opts.nodes, exclude: opts.exclude, role: opts.role, all: opts.all };
  if (onlyIds) {
    // Ids from a report are exact: no range expansion surprises, and hosts reached outside the
    // inventory last time are reached the same way again.
    const nodes = onlyIds.map((id) => (inventory && !findNode(inventory, id) ? `ssh://${id}` : id));
    sel = { ...sel, nodes, all: false };
  } else if (ctx.defaultToAll && inventory && !hasSelection(sel)) {
    sel = { ...sel, all: true };
  }
  const home = ctx.homeDir ?? homedir();
  const localUser = ctx.localUser ?? userInfo().username;
  const keyBaseDir = loaded.inventoryPath
    ? dirname(resolve(ctx.cwd ?? process.cwd(), loaded.inventoryPath))
    : undefined;
  let roles = ctx.roles;
  if (sel.role !== undefined && inventory && !roles && 'connectTimeout' in opts) {
    roles = await liveRoles(opts as TargetCliOptions & SshCliOptions, ctx);
  }
  const selected = selectHostsDetailed(inventory, sel, {
    homeDir: home,
    localUser,
    roles,
    keyBaseDir,
  });
  // The live role only selects: the pin (nodes.yml role:) stays what role assignment honours.
  if (roles && inventory && !ctx.roles) {
    for (const s of selected) s.target.role = findNode(inventory, s.target.id)?.role;
  }

  const warnings: string[] = [];
  if (ctx.sshConfig === false) return { ...loaded, hosts: selected.map((s) => s.target), warnings };
  const ssh = await import('../../adapters/ssh/ssh-config.js');
  const config = ctx.sshConfig ?? ssh.loadSshConfig(undefined, home);
  const hosts = selected.map(({ target, explicit }) =>
    ssh.applySshConfig(target, config, {
      keep: explicit,
      home,
      localUser,
      warn: (m) => warnings.push(m),
    }),
  );
  return { ...loaded, hosts, warnings: [...new Set(warnings)] };
}
