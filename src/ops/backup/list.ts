/** `fleet backup ls`: every backup in the store, judged complete, incomplete or damaged (catalog.ts). */
import type { BackupStore } from '../../adapters/s3/types.js';
import { listBackups, type BackupEntry } from './catalog.js';

export function listBackupEntries(store: BackupStore): Promise<BackupEntry[]> {
  return listBackups(store);
}
