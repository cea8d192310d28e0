/**
 * Target resolution, shared by every front end: find and read nodes.yml, validate it, select, let
 * ~/.ssh/config fill what nothing else set, put `-i` keys first and check every key file. Heavy
 * modules (ajv, yaml, the ssh_config parser) load only when a command runs.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir, userInfo } from 'node:os';
import { dirname, resolve } from 'node:path';
import { checkKeyFile } from '../adapters/key-file.js';
import type { SshConfig } from '../adapters/ssh/ssh-config.js';
import type { Env } from '../core/config.js';
import { FleetError } from '../core/errors.js';
import type { HostTarget } from '../core/host.js';
import type { Inventory, NodeRole } from '../core/inventory-model.js';
import type { HostSelection } from '../core/selectors.js';

/** Which hosts to act on (the CLI's -f, -n, -x, --role, --all). */
export interface TargetSelection {
  inventory?: string;
  nodes?: string[];
  exclude?: string[];
  role?: string;
  all?: boolean;
}

/**
 * Reads the live swarm's role of each host (every host of nodes.yml), or undefined when no swarm
 * answers. `options` are the caller's full options (SSH settings included).
 */
export type LiveRolesReader = (
  hosts: HostTarget[],
  options: TargetSelection & { identity?: string[] },
) => Promise<ReadonlyMap<string, NodeRole> | undefined>;

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
  /**
   * How --role reads the live swarm (the CLI passes ops/swarm/live-roles.ts). Without it, --role
   * uses the pins of nodes.yml.
   */
  readLiveRoles?: LiveRolesReader;
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
  opts: TargetSelection & { identity?: string[] },
  ctx: ResolveContext,
  read: LiveRolesReader,
): Promise<ReadonlyMap<string, NodeRole> | undefined> {
  const everyone = await resolveTargets({ inventory: opts.inventory, all: true }, undefined, ctx);
  return read(applyIdentityFiles(everyone.hosts, opts), opts);
}

/** Finds, reads and validates nodes.yml; no inventory when none is named and ./nodes.yml is absent. */
export async function loadInventory(
  opts: Pick<TargetSelection, 'inventory'>,
  ctx: ResolveContext = {},
): Promise<LoadedInventory> {
  const { locateInventory } = await import('../core/config.js');
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
  const { parseInventory } = await import('../core/inventory.js');
  return { inventory: parseInventory(text, found.path), inventoryPath: found.path };
}

/**
 * The hosts a command acts on. `onlyIds` (e.g. the failed hosts of the last report) replaces -n;
 * -x and --role still apply. Every error is raised here, before anything connects.
 */
export async function resolveTargets(
  opts: TargetSelection,
  onlyIds?: string[],
  ctx: ResolveContext = {},
): Promise<ResolvedTargets> {
  const loaded = await loadInventory(opts, ctx);
  const { inventory } = loaded;
  const { selectHostsDetailed, findNode, hasSelection } = await import('../core/selectors.js');
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
  if (sel.role !== undefined && inventory && !roles && ctx.readLiveRoles && 'connectTimeout' in opts) {
    roles = await liveRoles(opts, ctx, ctx.readLiveRoles);
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
  const ssh = await import('../adapters/ssh/ssh-config.js');
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

/**
 * `-i FILE` keys go before whatever inventory/ssh_config chose for each host. Every key file named
 * anywhere (-i, nodes.yml key:, ssh_config IdentityFile, jump hosts too) is checked here, before
 * anything connects: a device, FIFO or huge file stops the run with exit 2 naming the file.
 */
export function applyIdentityFiles(targets: HostTarget[], opts: { identity?: string[] }): HostTarget[] {
  const extra = (opts.identity ?? []).map((f) => resolve(f));
  const out =
    extra.length === 0
      ? targets
      : targets.map((t) => ({
          ...t,
          identityFiles: [...extra, ...t.identityFiles.filter((f) => !extra.includes(f))],
        }));
  const files = new Set<string>();
  for (const t of out) {
    for (let hop: HostTarget | undefined = t; hop; hop = hop.proxyJump)
      hop.identityFiles.forEach((f) => files.add(f));
  }
  for (const f of files) checkKeyFile(f);
  return out;
}

/**
 * resolve → identity files → "no hosts selected". The four prologues (up/plan/down, exec,
 * backup/restore, facts/score) become calls of this.
 */
export async function selectTargets(
  selection: TargetSelection,
  options: ResolveContext & { onlyIds?: string[]; identity?: string[]; emptyHint: string },
): Promise<ResolvedTargets> {
  const { onlyIds, identity, emptyHint, ...ctx } = options;
  const resolved = await resolveTargets(selection, onlyIds, ctx);
  const hosts = applyIdentityFiles(resolved.hosts, { identity });
  if (hosts.length === 0) throw new FleetError('usage', 'no hosts selected', { hint: emptyHint });
  return { ...resolved, hosts };
}
