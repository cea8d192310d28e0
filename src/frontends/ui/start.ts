/**
 * Starts the web view: ONE long-lived session (connections kept between operations, an idle one
 * closed after a minute), the observer loop, and the HTTP(S) server. The CLI command (commands/ui.ts)
 * and the tests call this; it never prints.
 */
import type { AddressInfo } from 'node:net';
import type { SshSettings } from '../../adapters/ssh/types.js';
import type { TlsMaterial } from '../../adapters/tls-cert.js';
import type { HostTarget } from '../../core/host.js';
import type { InventoryDefaults } from '../../core/inventory-model.js';
import type { StoreInput } from '../../ops/backup/store.js';
import { openSession } from '../../runtime/session.js';
import { createUiAuth } from './auth.js';
import { EventHub } from './hub.js';
import { startObserver } from './observer.js';
import { createUiServer } from './server.js';
import { createWebAsker } from './web-asker.js';

export interface UiOptions {
  hosts: HostTarget[];
  ssh: SshSettings;
  sudo?: boolean;
  sudoPassword?: string;
  inventoryPath?: string;
  defaults?: InventoryDefaults;
  identity?: string[];
  /** Where the Backups panel looks (resolved as `fleet backup` resolves it). */
  backupStore: StoreInput;
  listen: string;
  /** 0 = any free port. */
  port: number;
  tls?: TlsMaterial;
  /** Observer round interval (default 2 s) and per-host probe deadline (default 5 s). */
  intervalMs?: number;
  probeTimeoutMs?: number;
  concurrency?: number;
}

export interface RunningUi {
  /** The URL with the one-time token, to print. */
  url: string;
  port: number;
  close(): Promise<void>;
}

const IDLE_CLOSE_MS = 60_000;

export async function startUi(o: UiOptions): Promise<RunningUi> {
  const hub = new EventHub();
  const asker = createWebAsker(hub);
  const session = openSession({
    ssh: { ...o.ssh, idleCloseMs: IDLE_CLOSE_MS },
    sudoPassword: o.sudoPassword,
    ask: asker,
    keepPoolBetweenOperations: true,
  });
  const observer = startObserver(session, hub, {
    hosts: o.hosts,
    intervalMs: o.intervalMs ?? 2_000,
    probeTimeoutMs: o.probeTimeoutMs ?? 5_000,
    concurrency: o.concurrency ?? 32,
    sudo: o.sudo,
  });
  const ctx = {
    session,
    hosts: o.hosts,
    inventoryPath: o.inventoryPath,
    defaults: o.defaults,
    identity: o.identity,
    sudo: o.sudo,
    backupStore: o.backupStore,
    hub,
    asker,
    observer,
  };
  const auth = createUiAuth({ listen: o.listen, tls: Boolean(o.tls) });
  const server = createUiServer(ctx, auth, o.tls);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.listen, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = o.listen.includes(':') ? `[${o.listen}]` : o.listen;
  return {
    url: `${o.tls ? 'https' : 'http'}://${host}:${port}/?token=${auth.token}`,
    port,
    async close() {
      observer.stop();
      hub.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await session.close();
    },
  };
}
