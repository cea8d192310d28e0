/** What every request handler of the web view shares: the session, the inventory, the pages, the observer. */
import type { HostTarget } from '../../core/host.js';
import type { InventoryDefaults } from '../../core/inventory-model.js';
import type { StoreInput } from '../../ops/backup/store.js';
import type { Session } from '../../runtime/session.js';
import type { EventHub } from './hub.js';
import type { Observer } from './observer.js';
import type { WebAsker } from './web-asker.js';

export interface UiContext {
  session: Session;
  /** Every host of nodes.yml (identity files applied): the managers to look for and the cards shown. */
  hosts: HostTarget[];
  inventoryPath?: string;
  defaults?: InventoryDefaults;
  identity?: string[];
  sudo?: boolean;
  /** Where backups live (the CLI's --to/--s3-* flags, FLEET_BACKUP_TO/FLEET_S3_*, nodes.yml defaults.backup). */
  backupStore: StoreInput;
  hub: EventHub;
  asker: WebAsker;
  observer: Observer;
}
