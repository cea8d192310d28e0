/**
 * Backup ids, object keys and the manifest: pure functions, no I/O.
 *
 * Layout in the store:  <id>/manifest.json                       (written last)
 *                       <id>/<host>/swarm.tar.gz                  (/var/lib/docker/swarm)
 *                       <id>/<host>/path-<slug>.tar.gz            (one per --path)
 *                       <id>/<host>/volume-<name>.tar.gz          (one per --volume)
 *                       <id>/<host>/swarm-unlock-key              (secret, only with autolock)
 */
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { FleetError } from './errors.js';
import { BACKUP_ID_PATTERN, manifestSchema } from './backup-manifest-schema.js';

export type ItemKind = 'swarm' | 'path' | 'volume' | 'unlock-key';
export type Compression = 'gzip' | 'none';

export interface ManifestItem {
  host: string;
  kind: ItemKind;
  source: string;
  key: string;
  size: number;
  sha256: string;
  compression: Compression;
}

export interface SwarmInfo {
  host: string;
  nodeId: string;
  managers: number;
  autolock: boolean;
  wasLeader?: boolean;
  /** The manager's swarm address (NodeAddr) at backup time. */
  addr?: string;
}

export interface Manifest {
  format: 1;
  id: string;
  time: string;
  finishedAt?: string;
  fleetVersion: string;
  clusterId: string | null;
  dockerVersion: string | null;
  swarm?: SwarmInfo;
  items: ManifestItem[];
}

export const MANIFEST_NAME = 'manifest.json';
export const SWARM_DIR = '/var/lib/docker/swarm';
const ID_RE = new RegExp(BACKUP_ID_PATTERN);

/** UTC start time to the second, sortable as text: 20250131T235959Z. */
export function backupIdFor(at: Date): string {
  return at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/** The id for a new backup: its start time, suffixed -2, -3 … when another run took that second. */
export function uniqueBackupId(at: Date, existingIds: Iterable<string>): string {
  const base = backupIdFor(at);
  const taken = new Set(existingIds);
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

export function isBackupId(value: string): boolean {
  return ID_RE.test(value);
}

/** When a backup started, from its id (for `backup ls` without a manifest). */
export function timeOfId(id: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(id);
  if (!m) return undefined;
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

export function manifestKey(id: string): string {
  return `${id}/${MANIFEST_NAME}`;
}

/** Host ids become one folder name: anything outside [A-Za-z0-9._-] turns into '_'. */
export function hostFolder(host: string): string {
  const safe = host.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return safe || '_';
}

/** /etc/fleet -> etc-fleet; keeps object names readable in a bucket browser. */
export function pathSlug(path: string): string {
  return path.replace(/^\/+|\/+$/g, '').replace(/[^A-Za-z0-9._-]+/g, '-') || 'root';
}

export interface ItemRef {
  host: string;
  kind: ItemKind;
  source: string;
}

/** Object keys for a set of items of one backup, unique even when two paths slug alike. */
export function assignKeys(id: string, items: ItemRef[], compression: Compression): string[] {
  const ext = compression === 'gzip' ? '.tar.gz' : '.tar';
  const used = new Set<string>();
  return items.map((item) => {
    const folder = `${id}/${hostFolder(item.host)}/`;
    const base =
      item.kind === 'swarm'
        ? 'swarm'
        : item.kind === 'unlock-key'
          ? 'swarm-unlock-key'
          : item.kind === 'path'
            ? `path-${pathSlug(item.source)}`
            : `volume-${pathSlug(item.source)}`;
    const suffix = item.kind === 'unlock-key' ? '' : ext;
    let key = folder + base + suffix;
    for (let n = 2; used.has(key); n++) key = `${folder}${base}-${n}${suffix}`;
    used.add(key);
    return key;
  });
}

let validator: ReturnType<Ajv['compile']> | undefined;
function validate(value: unknown): string | undefined {
  if (!validator) {
    const ajv = new Ajv({ allErrors: false, strict: false });
    addFormats.default(ajv);
    validator = ajv.compile(manifestSchema);
  }
  if (validator(value)) return undefined;
  const e = validator.errors?.[0];
  return e ? `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}` : 'is invalid';
}

/**
 * Reads a stored manifest. `id` is the folder it was found in: a manifest naming another id, or
 * items outside its own folder, would make restore read (or rm delete) another backup's objects.
 */
export function parseManifest(text: string, id: string): Manifest {
  const where = `${id}/${MANIFEST_NAME}`;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new FleetError('integrity', `${where} is not valid JSON: ${(err as Error).message}`);
  }
  const problem = validate(value);
  if (problem) throw new FleetError('integrity', `${where}: ${problem}`);
  const manifest = value as Manifest;
  if (manifest.id !== id)
    throw new FleetError('integrity', `${where} names backup ${manifest.id}, not ${id}`);
  const outside = manifest.items.find((item) => !item.key.startsWith(`${id}/`) || item.key.includes('..'));
  if (outside)
    throw new FleetError('integrity', `${where}: item key ${outside.key} is outside the backup's folder`);
  return manifest;
}

export function serializeManifest(manifest: Manifest): string {
  return JSON.stringify(manifest, null, 2) + '\n';
}

export interface BuildManifestInput {
  id: string;
  startedAt: Date;
  finishedAt: Date;
  fleetVersion: string;
  clusterId: string | null;
  dockerVersion: string | null;
  swarm?: SwarmInfo;
  items: ManifestItem[];
}

/** Items sorted by key so two backups of the same state produce manifests that diff cleanly. */
export function buildManifest(input: BuildManifestInput): Manifest {
  const manifest: Manifest = {
    format: 1,
    id: input.id,
    time: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    fleetVersion: input.fleetVersion,
    clusterId: input.clusterId,
    dockerVersion: input.dockerVersion,
    ...(input.swarm ? { swarm: input.swarm } : {}),
    items: [...input.items].sort((a, b) => a.key.localeCompare(b.key)),
  };
  const problem = validate(manifest);
  if (problem) throw new FleetError('internal', `built an invalid manifest: ${problem}`);
  return manifest;
}

import type { RestoreOnly } from './backup-kinds.js';
export type { RestoreOnly } from './backup-kinds.js';

/** The items a restore touches: --only narrows by kind, -n by host; the unlock key follows its swarm item. */
export function selectRestoreItems(
  manifest: Manifest,
  options: { only?: RestoreOnly[]; hosts?: string[] },
): ManifestItem[] {
  const kinds = new Set<ItemKind>();
  for (const only of options.only ?? ['swarm', 'paths', 'volumes']) {
    if (only === 'swarm') kinds.add('swarm').add('unlock-key');
    if (only === 'paths') kinds.add('path');
    if (only === 'volumes') kinds.add('volume');
  }
  return manifest.items.filter((item) => {
    if (!kinds.has(item.kind)) return false;
    // The swarm state is cluster-wide: it can be restored onto any manager, so -n does not filter it.
    if (item.kind === 'swarm' || item.kind === 'unlock-key') return true;
    return !options.hosts || options.hosts.includes(item.host);
  });
}
