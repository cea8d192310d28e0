/**
 * What is in a store: backups grouped by id, each complete (manifest present, valid, every object
 * there with its recorded size), incomplete (no manifest: failed or still running) or damaged.
 */
import type { BackupStore, StoredObject } from '../../adapters/s3/types.js';
import { isFleetError } from '../../core/errors.js';
import {
  isBackupId,
  MANIFEST_NAME,
  parseManifest,
  timeOfId,
  type Manifest,
} from '../../core/backup-manifest.js';

export type BackupStatus = 'complete' | 'incomplete' | 'damaged';

export interface BackupEntry {
  id: string;
  status: BackupStatus;
  time?: string;
  /** Objects stored under the id, manifest included. */
  objects: StoredObject[];
  size: number;
  hosts: string[];
  manifest?: Manifest;
  /** Why it is not complete, in one line. */
  problem?: string;
}

/** Objects by backup id; anything not under an id-shaped folder is not fleet's and is ignored. */
export function groupByBackup(objects: StoredObject[]): Map<string, StoredObject[]> {
  const groups = new Map<string, StoredObject[]>();
  for (const object of objects) {
    const id = object.key.split('/')[0] ?? '';
    if (!isBackupId(id) || !object.key.includes('/')) continue;
    const list = groups.get(id) ?? [];
    list.push(object);
    groups.set(id, list);
  }
  return groups;
}

/** Pure: judges one backup from its listing and its manifest text (undefined = no manifest). */
export function judgeBackup(
  id: string,
  objects: StoredObject[],
  manifestText: string | undefined,
): BackupEntry {
  const size = objects.reduce((sum, o) => sum + o.size, 0);
  const hostsFromKeys = [
    ...new Set(objects.map((o) => o.key.split('/')[1]).filter((h) => h && h !== MANIFEST_NAME)),
  ];
  const base = { id, objects, size, time: timeOfId(id)?.toISOString(), hosts: hostsFromKeys as string[] };
  if (manifestText === undefined) {
    return {
      ...base,
      status: 'incomplete',
      problem: 'no manifest.json: the backup failed or is still running',
    };
  }
  let manifest: Manifest;
  try {
    manifest = parseManifest(manifestText, id);
  } catch (err) {
    return { ...base, status: 'damaged', problem: isFleetError(err) ? err.message : String(err) };
  }
  const listed = new Map(objects.map((o) => [o.key, o.size]));
  for (const item of manifest.items) {
    const stored = listed.get(item.key);
    if (stored === undefined) {
      return { ...base, manifest, time: manifest.time, status: 'damaged', problem: `${item.key} is missing` };
    }
    if (stored !== item.size) {
      return {
        ...base,
        manifest,
        time: manifest.time,
        status: 'damaged',
        problem: `${item.key} has ${stored} bytes, the manifest says ${item.size}`,
      };
    }
  }
  const hosts = [...new Set(manifest.items.map((i) => i.host))].sort();
  return { ...base, manifest, time: manifest.time, hosts, status: 'complete' };
}

async function readText(store: BackupStore, key: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await store.get(key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Every backup in the store, newest first. */
export async function listBackups(store: BackupStore): Promise<BackupEntry[]> {
  const groups = groupByBackup(await store.list());
  const entries: BackupEntry[] = [];
  for (const [id, objects] of groups) {
    const hasManifest = objects.some((o) => o.key === `${id}/${MANIFEST_NAME}`);
    const text = hasManifest ? await readText(store, `${id}/${MANIFEST_NAME}`) : undefined;
    entries.push(judgeBackup(id, objects, text));
  }
  return entries.sort((a, b) => b.id.localeCompare(a.id));
}

/** One backup by id (listing only its folder). */
export async function getBackup(store: BackupStore, id: string): Promise<BackupEntry | undefined> {
  const objects = await store.list(`${id}/`);
  if (objects.length === 0) return undefined;
  const hasManifest = objects.some((o) => o.key === `${id}/${MANIFEST_NAME}`);
  return judgeBackup(id, objects, hasManifest ? await readText(store, `${id}/${MANIFEST_NAME}`) : undefined);
}

/**
 * Deletes one backup. The manifest goes first: if the run stops half way, what is left reads as
 * incomplete rather than as a complete backup with objects missing.
 */
export async function deleteBackup(store: BackupStore, entry: BackupEntry): Promise<void> {
  const manifest = entry.objects.filter((o) => o.key.endsWith(`/${MANIFEST_NAME}`)).map((o) => o.key);
  const rest = entry.objects.filter((o) => !manifest.includes(o.key)).map((o) => o.key);
  if (manifest.length) await store.delete(manifest);
  if (rest.length) await store.delete(rest);
}
