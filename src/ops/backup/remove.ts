/** `fleet backup rm ID`: delete one backup, its manifest first (catalog.ts deleteBackup). */
import type { BackupStore } from '../../adapters/s3/types.js';
import { FleetError } from '../../core/errors.js';
import { deleteBackup, getBackup, type BackupEntry } from './catalog.js';

/** Returns the entry as it was before deletion (for the "deleted backup …" line). */
export async function removeBackup(store: BackupStore, id: string): Promise<BackupEntry> {
  const entry = await getBackup(store, id);
  if (!entry)
    throw new FleetError('usage', `no backup ${id} in ${store.location}`, {
      hint: 'list them with `fleet backup ls`',
    });
  await deleteBackup(store, entry);
  return entry;
}
