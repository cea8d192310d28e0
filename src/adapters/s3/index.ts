/** Opens the backup store for a resolved target. The S3 SDK is loaded only when an S3 target is used. */
import type { StoreTarget } from './config.js';
import type { BackupStore } from './types.js';

export type { BackupStore, StoredObject, PutOptions } from './types.js';
export { resolveStoreTarget, describeTarget, DEFAULT_BACKUP_DIR } from './config.js';
export type { StoreTarget, StoreFlags, BackupDefaults, S3Settings } from './config.js';

export async function openStore(target: StoreTarget): Promise<BackupStore> {
  if (target.kind === 'local') {
    const { LocalStore } = await import('./local-store.js');
    return new LocalStore(target.path);
  }
  const { S3Store } = await import('./s3-store.js');
  return S3Store.open(target.s3);
}
