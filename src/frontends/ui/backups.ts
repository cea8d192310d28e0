/**
 * The Backups panel's server side, over the operations `fleet backup` and `fleet restore` run: the
 * backups in the configured store (`fleet backup ls`'s listing, with what each holds from its
 * manifest), a backup of one node (`fleet backup -n NODE`), and a restore (`fleet restore ID`). The
 * restore asks its question through the session's Asker, i.e. the page's dialog (web-asker.ts), and
 * refuses exactly as the CLI does (incomplete/damaged backup, live quorum, a checksum, "no").
 */
import type { BackupStore } from '../../adapters/s3/types.js';
import { FleetError } from '../../core/errors.js';
import { BACKUP_DEFAULTS, BACKUP_KINDS, parseBackupKinds } from '../../core/backup-kinds.js';
import type { OperationResult } from '../../runtime/types.js';
import type { BackupRunReport } from '../../ops/backup/report.js';
import { runOperation, selectHosts } from './actions.js';
import type { UiContext } from './context.js';

/** One backup as the panel shows it: `fleet backup ls`'s columns plus its items. */
export interface BackupRow {
  id: string;
  status: 'complete' | 'incomplete' | 'damaged';
  time: string | null;
  size: number;
  hosts: string[];
  clusterId: string | null;
  problem: string | null;
  /** The manifest's items (host, kind, what); without a manifest, the objects stored. */
  items: { host: string; kind: string; source: string; size: number }[];
}

/** POST /api/backup: the node(s) to back up (the page sends one). */
export interface BackupRequest {
  hosts?: string[];
}

/** POST /api/restore: the backup, optionally only some kinds and onto some hosts (-n). */
export interface RestoreRequest {
  backupId?: string;
  only?: string[];
  hosts?: string[];
}

/** Opens the configured store for one request and closes it after (credentials stay in the environment). */
async function withStore<T>(ctx: UiContext, use: (store: BackupStore) => Promise<T>): Promise<T> {
  const { openBackupStore } = await import('../../ops/backup/store.js');
  const store = await openBackupStore(ctx.backupStore);
  try {
    return await use(store);
  } finally {
    await store.close().catch(() => undefined);
  }
}

export function listBackupsForPage(ctx: UiContext): Promise<{ location: string; backups: BackupRow[] }> {
  return withStore(ctx, async (store) => {
    const { listBackupEntries } = await import('../../ops/backup/list.js');
    const entries = await listBackupEntries(store);
    const backups = entries.map((e): BackupRow => ({
      id: e.id,
      status: e.status,
      time: e.time ?? null,
      size: e.size,
      hosts: e.hosts,
      clusterId: e.manifest?.clusterId ?? null,
      problem: e.problem ?? null,
      items: e.manifest
        ? e.manifest.items.map((i) => ({ host: i.host, kind: i.kind, source: i.source, size: i.size }))
        : e.objects.map((o) => ({
            host: o.key.split('/')[1] ?? '',
            kind: 'object',
            source: o.key,
            size: o.size,
          })),
    }));
    return { location: store.location, backups };
  });
}

/** `fleet backup -n NODE`: /etc/fleet, and the swarm state when the node is a manager that may stop. */
export async function backupNode(
  ctx: UiContext,
  req: BackupRequest,
): Promise<OperationResult<BackupRunReport>> {
  const hosts = selectHosts(ctx, req.hosts);
  const [{ runBackup }, { BUILD_INFO }] = await Promise.all([
    import('../../ops/backup/run-backup.js'),
    import('../../core/build-info.js'),
  ]);
  return withStore(ctx, (store) =>
    runOperation(ctx, { command: 'backup', hosts }, (rt) =>
      runBackup(
        {
          hosts,
          store,
          kinds: [...BACKUP_KINDS],
          explicitKinds: false,
          extraPaths: [],
          volumes: [],
          allowDowntime: false,
          gzip: true,
          concurrency: BACKUP_DEFAULTS.concurrency,
          dryRun: false,
          stopDeadlineS: BACKUP_DEFAULTS.stopDeadlineS,
          sudo: Boolean(ctx.sudo),
          waitTimeoutMs: BACKUP_DEFAULTS.waitTimeoutS * 1000,
          fleetVersion: BUILD_INFO.version,
        },
        rt,
      ),
    ),
  );
}

/**
 * `fleet restore ID [--only …] [-n …]` without --yes: the operation verifies every checksum, then
 * asks (the page's dialog); "no" ends it with nothing changed.
 */
export async function restoreBackup(
  ctx: UiContext,
  req: RestoreRequest,
): Promise<OperationResult<BackupRunReport>> {
  const id = req.backupId;
  if (!id) throw new FleetError('usage', 'the request has no "backupId"');
  if (req.only !== undefined && !Array.isArray(req.only)) {
    throw new FleetError('usage', '"only" must be a list of swarm, paths, volumes');
  }
  const only = parseBackupKinds(req.only);
  const selected = (req.hosts ?? []).length > 0;
  const hosts = selected ? selectHosts(ctx, req.hosts) : ctx.hosts;
  const { runRestore } = await import('../../ops/backup/run-restore.js');
  return withStore(ctx, (store) =>
    runOperation(ctx, { command: 'restore', hosts }, (rt) =>
      runRestore(
        {
          id,
          store,
          hosts,
          selected,
          only,
          concurrency: BACKUP_DEFAULTS.concurrency,
          sudo: Boolean(ctx.sudo),
          waitTimeoutMs: BACKUP_DEFAULTS.waitTimeoutS * 1000,
          yes: false,
          dryRun: false,
        },
        rt,
      ),
    ),
  );
}
