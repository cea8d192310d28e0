/**
 * Host selection: `-n`, `-x`, `--role`, `--all` against an inventory (or none) -> HostTarget[].
 *
 * Rules (also in README):
 * - `-n`/`-x` take host patterns and comma lists (see host-range.ts), `@type` / `@group` from nodes.yml,
 *   and may carry a user or port: `root@agx-01`, `agx-01:2222`, `[fe80::1]:2222`.
 * - With an inventory loaded, every name must be a node's id, name or address; anything else is an
 *   error before anything runs. To reach a machine outside nodes.yml anyway, write it explicitly as
 *   `ssh://[user@]host[:port]`.
 * - Without an inventory, names are raw targets: an IP address, a DNS name, or a Host alias from
 *   ~/.ssh/config.
 * - `--role` filters by the pinned role in nodes.yml (or the assigned one, when the caller passes
 *   assignments); alone it selects every node with that role. `-x` is applied last.
 * - Output order is inventory order, then raw targets in the order given; no duplicates.
 */
import { dirname, isAbsolute, join } from 'node:path';
import { FleetError } from './errors.js';
import type { HostTarget } from './host.js';
import { expandHostPattern, foldHosts } from './host-range.js';
import { isAddress } from './inventory-issues.js';
import type { Inventory, InventoryNode, NodeRole } from './inventory-model.js';
import { parseTargetToken, rawId, unknownError, type TargetToken } from './selectors-token.js';

export { parseTargetToken, type TargetToken } from './selectors-token.js';

export interface HostSelection {
  /** `-n` values, each a pattern or comma list. */
  nodes?: string[];
  /** `-x` values, same syntax. */
  exclude?: string[];
  role?: string;
  all?: boolean;
}

export interface SelectOptions {
  /** Last resort for the SSH user (OpenSSH uses the local user). Default 'root'. */
  localUser?: string;
  /** Expands `~` in key paths. */
  homeDir?: string;
  /** Where relative key paths in nodes.yml start (default: the directory of inventory.path). */
  keyBaseDir?: string;
  /** Roles assigned by `fleet up` (id -> role); they win over pins for `--role`. */
  roles?: ReadonlyMap<string, NodeRole>;
}

/**
 * Which connection fields a `user@host:port` token or nodes.yml set; ~/.ssh/config may fill only the
 * others (its `keep` option), so precedence stays flags > env > nodes.yml > ssh_config > built-in.
 */
export interface ExplicitFields {
  address: boolean;
  user: boolean;
  port: boolean;
  identityFiles: boolean;
}

export interface SelectedHost {
  target: HostTarget;
  explicit: ExplicitFields;
}

const ROLES: readonly NodeRole[] = ['manager', 'worker'];
// ssh_config Host aliases are not always DNS names (underscores are common).
const SSH_ALIAS = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

export function hasSelection(sel: HostSelection): boolean {
  return Boolean(sel.all) || sel.role !== undefined || (sel.nodes ?? []).some((n) => n.trim() !== '');
}

/** A node by id, then name (when unambiguous), then address. */
export function findNode(inventory: Inventory, name: string): InventoryNode | undefined {
  const byId = inventory.nodes.find((n) => n.id === name);
  if (byId) return byId;
  const byName = inventory.nodes.filter((n) => n.name === name);
  if (byName.length > 1) {
    throw new FleetError('inventory', `"${name}" is the name of ${foldHosts(byName.map((n) => n.id))}`, {
      hint: 'select them by id',
    });
  }
  if (byName[0]) return byName[0];
  const lower = name.toLowerCase();
  return inventory.nodes.find((n) => n.ip.toLowerCase() === lower);
}

interface Resolved {
  nodes: Map<string, TargetToken | undefined>;
  raw: Map<string, TargetToken>;
  unknownNames: string[];
  unknownTags: string[];
}

/** Resolves `-n` or `-x` values into inventory node ids and raw targets. */
function resolveTokens(values: string[], inventory: Inventory | undefined, flag: string): Resolved {
  const out: Resolved = { nodes: new Map(), raw: new Map(), unknownNames: [], unknownTags: [] };
  for (const value of values) {
    for (const item of expandHostPattern(value)) {
      if (item.startsWith('@')) {
        const tag = item.slice(1);
        if (!inventory) {
          throw new FleetError('usage', `${flag} ${item}: @type and @group need an inventory`, {
            hint: 'pass -f nodes.yml or set FLEET_INVENTORY',
          });
        }
        const matched = inventory.nodes.filter((n) => n.type === tag || n.groups.includes(tag));
        if (matched.length === 0) out.unknownTags.push(item);
        for (const n of matched) out.nodes.set(n.id, out.nodes.get(n.id));
        continue;
      }
      const token = parseTargetToken(item);
      if (inventory && !token.explicit) {
        const node = findNode(inventory, token.host);
        if (node) out.nodes.set(node.id, token.user || token.port ? token : undefined);
        else out.unknownNames.push(token.host);
        continue;
      }
      if (!inventory && !isAddress(token.host) && !SSH_ALIAS.test(token.host)) {
        throw new FleetError('usage', `${flag} ${item}: not a host name or address`, {
          hint: 'use an IP address, a DNS name or a Host alias from ~/.ssh/config',
        });
      }
      out.raw.set(rawId(token), token);
    }
  }
  return out;
}

function keyPaths(keys: string[], inventory: Inventory | undefined, opts: SelectOptions): string[] {
  return keys.map((k) => {
    if (k === '~' || k.startsWith('~/')) return opts.homeDir ? join(opts.homeDir, k.slice(1)) : k;
    if (isAbsolute(k) || !inventory) return k;
    // Relative to nodes.yml, so the file works from any directory.
    return join(opts.keyBaseDir ?? dirname(inventory.path), k);
  });
}

function nodeTarget(
  node: InventoryNode,
  inv: Inventory,
  o: TargetToken | undefined,
  opts: SelectOptions,
  role?: NodeRole,
): SelectedHost {
  const keys = node.key ?? inv.defaults.key;
  const user = o?.user ?? node.user ?? inv.defaults.user;
  const port = o?.port ?? node.port ?? inv.defaults.port;
  const target: HostTarget = {
    id: node.id,
    address: node.ip,
    port: port ?? 22,
    user: user ?? opts.localUser ?? 'root',
    identityFiles: keys ? keyPaths(keys, inv, opts) : [],
    labels: { ...node.labels },
    groups: [...node.groups],
  };
  if (node.name !== undefined) target.name = node.name;
  if (node.type !== undefined) target.type = node.type;
  if (role !== undefined) target.role = role;
  // The inventory address is authoritative: an ssh_config HostName does not replace it.
  const explicit = {
    address: true,
    user: user !== undefined,
    port: port !== undefined,
    identityFiles: !!keys,
  };
  return { target, explicit };
}

function rawTarget(t: TargetToken, inv: Inventory | undefined, opts: SelectOptions): SelectedHost {
  const keys = inv?.defaults.key;
  const user = t.user ?? inv?.defaults.user;
  const port = t.port ?? inv?.defaults.port;
  const target: HostTarget = {
    id: rawId(t),
    address: t.host,
    port: port ?? 22,
    user: user ?? opts.localUser ?? 'root',
    identityFiles: keys ? keyPaths(keys, inv, opts) : [],
  };
  const explicit = {
    address: false,
    user: user !== undefined,
    port: port !== undefined,
    identityFiles: !!keys,
  };
  return { target, explicit };
}

/**
 * The hosts a command runs on. Throws FleetError before anything runs: 'usage' for a missing or empty
 * selection, 'inventory' for names nodes.yml does not know.
 */
export function selectHosts(
  inventory: Inventory | undefined,
  sel: HostSelection,
  opts: SelectOptions = {},
): HostTarget[] {
  return selectHostsDetailed(inventory, sel, opts).map((h) => h.target);
}

/** selectHosts plus which fields were set explicitly (to apply ~/.ssh/config afterwards). */
export function selectHostsDetailed(
  inventory: Inventory | undefined,
  sel: HostSelection,
  opts: SelectOptions = {},
): SelectedHost[] {
  if (sel.role !== undefined && !ROLES.includes(sel.role as NodeRole)) {
    throw new FleetError('usage', `--role ${sel.role}: must be manager or worker`);
  }
  if (!hasSelection(sel)) {
    throw inventory
      ? new FleetError('usage', 'no hosts selected: use -n, --role or --all', {
          hint: `nodes in ${inventory.path}: ${foldHosts(inventory.nodes.map((n) => n.id))}`,
        })
      : new FleetError('usage', 'no hosts given: use -n HOST[,HOST…]', {
          hint: 'or pass an inventory with -f nodes.yml (or FLEET_INVENTORY) and use --all',
        });
  }
  if (!inventory && (sel.all || sel.role !== undefined)) {
    throw new FleetError('usage', `${sel.all ? '--all' : '--role'} needs an inventory`, {
      hint: 'pass -f nodes.yml or set FLEET_INVENTORY',
    });
  }
  const nodeValues = (sel.nodes ?? []).filter((v) => v.trim() !== '');
  const picked = resolveTokens(nodeValues, inventory, '-n');
  const dropped = resolveTokens(sel.exclude ?? [], inventory, '-x');
  for (const [flag, r] of [
    ['-n', picked],
    ['-x', dropped],
  ] as const) {
    if (inventory && (r.unknownNames.length || r.unknownTags.length)) throw unknownError(inventory, flag, r);
  }

  const roleOf = (n: InventoryNode): NodeRole | undefined => opts.roles?.get(n.id) ?? n.role;
  const wholeInventory = sel.all || nodeValues.length === 0;
  const hosts: SelectedHost[] = [];
  for (const node of inventory?.nodes ?? []) {
    if (!wholeInventory && !picked.nodes.has(node.id)) continue;
    if (sel.role !== undefined && roleOf(node) !== sel.role) continue;
    if (dropped.nodes.has(node.id)) continue;
    hosts.push(nodeTarget(node, inventory as Inventory, picked.nodes.get(node.id), opts, roleOf(node)));
  }
  const droppedRaw = new Set([...dropped.raw.values()].flatMap((t) => [rawId(t), t.host]));
  for (const token of picked.raw.values()) {
    if (sel.role !== undefined || droppedRaw.has(rawId(token)) || droppedRaw.has(token.host)) continue;
    hosts.push(rawTarget(token, inventory, opts));
  }
  if (hosts.length === 0) {
    const why = [sel.role !== undefined ? `--role ${sel.role}` : '', (sel.exclude ?? []).length ? '-x' : '']
      .filter(Boolean)
      .join(' and ');
    throw new FleetError('usage', `no hosts selected: ${why || 'the selection'} left nothing`, {
      hint: inventory
        ? `nodes in ${inventory.path}: ${foldHosts(inventory.nodes.map((n) => n.id))}`
        : undefined,
    });
  }
  return hosts;
}
