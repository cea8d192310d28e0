/**
 * The actions behind `fleet backup`, `backup ls`, `backup rm` and `fleet restore`: resolve the store
 * and the hosts, connect, run, show (views), write the JSON report, pick the exit code.
 * Imported lazily by src/cli/commands/{backup,restore}.ts.
 */
import { openStore, resolveStoreTarget, type BackupStore } from '../../adapters/s3/index.js';
import { BUILD_INFO } from '../../core/build-info.js';
import type { BackupCliOptions, StoreCliOptions } from '../../frontends/cli/commands/backup.js';
import type { RestoreCliOptions } from '../../frontends/cli/commands/restore.js';
import type { SshPool } from '../../adapters/ssh/types.js';
import { lockClusterForRun } from '../../frontends/cli/cluster-lock-options.js';
import { confirm } from '../../frontends/cli/prompt.js';
import { openRunSession } from '../../runtime/session.js';
import { applyIdentityFiles } from '../../frontends/cli/ssh-options.js';
import { loadInventory, resolveTargets } from '../../frontends/cli/target-options.js';
import { FleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import { redact } from '../../core/redact.js';
import { hasSelection } from '../../core/selectors.js';
import type { EventBus } from '../../runtime/events.js';
import { formatBytes } from '../../views/format.js';
import { serializeReport, writeRunReport } from '../../adapters/report-files.js';
import { deleteBackup, getBackup, listBackups } from './catalog.js';
import type { RestoreOnly } from '../../core/backup-manifest.js';
import type { BackupKind } from '../../core/backup-plan.js';
import type { BackupRunReport } from './report.js';

async function storeFromOptions(opts: StoreCliOptions): Promise<BackupStore> {
  const { inventory } = await loadInventory(opts);
  const defaults = inventory?.defaults.backup;
  const target = resolveStoreTarget(
    { to: opts.to, s3Endpoint: opts.s3Endpoint, s3Region: opts.s3Region, s3PathStyle: opts.s3PathStyle },
    process.env,
    { to: defaults?.target, s3: defaults?.s3 },
  );
  return openStore(target);
}

interface Prepared {
  hosts: HostTarget[];
  bus: EventBus;
  signal: AbortSignal;
  pool: SshPool;
  sudoPassword?: string;
}

async function runWithHosts(
  command: 'backup' | 'restore',
  opts: BackupCliOptions | RestoreCliOptions,
  store: BackupStore,
  run: (p: Prepared) => Promise<{ report: BackupRunReport; error?: FleetError }>,
): Promise<number> {
  const { hosts: resolved, warnings } = await resolveTargets(opts, undefined, { defaultToAll: true });
  const hosts = applyIdentityFiles(resolved, opts);
  if (hosts.length === 0)
    throw new FleetError('usage', 'no hosts selected', { hint: 'use -n HOSTS or --all' });
  const session = await openRunSession(opts, hosts, {
    json: opts.json,
    warnings,
    onInterrupt: 'stopping streams, restarting any stopped Docker, writing the report',
  });
  await lockClusterForRun(session, command, hosts, opts);
  const { bus, signal } = session;
  const startedAt = new Date();
  let result: { report: BackupRunReport; error?: FleetError };
  try {
    try {
      result = await run({
        hosts,
        bus,
        signal,
        pool: await session.pool(),
        sudoPassword: session.sudoPassword,
      });
    } finally {
      await session.closePool();
      await store.close().catch(() => undefined);
    }
    const path = await writeRunReport(command, result.report, startedAt, opts.report);
    bus.log('info', `report: ${path}`);
    bus.emit({
      type: 'run:done',
      ok: !result.error,
      durationMs: Date.now() - startedAt.getTime(),
      interrupted: signal.aborted,
    });
  } finally {
    await session.close();
  }
  if (opts.json) process.stdout.write(serializeReport(result.report));
  if (result.error) throw result.error;
  return 0;
}

export async function backupAction(opts: BackupCliOptions): Promise<number> {
  const store = await storeFromOptions(opts);
  const explicitKinds = (opts.only ?? []).length > 0;
  const kinds = (explicitKinds ? [...new Set(opts.only)] : ['swarm', 'paths', 'volumes']) as BackupKind[];
  const { runBackup } = await import('./run-backup.js');
  return runWithHosts('backup', opts, store, ({ hosts, bus, signal, pool, sudoPassword }) =>
    runBackup({
      hosts,
      pool,
      bus,
      store,
      kinds,
      explicitKinds,
      extraPaths: opts.path ?? [],
      volumes: opts.volume ?? [],
      allowDowntime: Boolean(opts.allowDowntime),
      gzip: opts.gzip,
      concurrency: opts.concurrency,
      keep: opts.keep,
      dryRun: Boolean(opts.dryRun),
      stopDeadlineS: opts.stopDeadline,
      sudo: Boolean(opts.sudo),
      sudoPassword,
      signal,
      waitTimeoutMs: Math.round(opts.waitTimeout * 1000),
      fleetVersion: BUILD_INFO.version,
    }),
  );
}

async function confirmRestore(lines: string[], yes: boolean | undefined): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY) {
    throw new FleetError('usage', 'restore changes hosts and needs confirmation, but there is no terminal', {
      hint: 'pass --yes',
    });
  }
  process.stderr.write(`fleet restore will:\n${lines.map((l) => `  - ${redact(l)}`).join('\n')}\n`);
  return confirm('Proceed? [y/N] ');
}

export async function restoreAction(id: string, opts: RestoreCliOptions): Promise<number> {
  const store = await storeFromOptions(opts);
  const only = opts.only?.length ? ([...new Set(opts.only)] as RestoreOnly[]) : undefined;
  const selected =
    hasSelection({ nodes: opts.nodes, exclude: opts.exclude, role: opts.role }) ||
    (opts.exclude ?? []).length > 0;
  const { runRestore } = await import('./run-restore.js');
  return runWithHosts('restore', opts, store, ({ hosts, bus, signal, pool, sudoPassword }) =>
    runRestore({
      id,
      store,
      hosts,
      selected,
      only,
      pool,
      bus,
      signal,
      concurrency: opts.concurrency,
      sudo: Boolean(opts.sudo),
      sudoPassword,
      waitTimeoutMs: Math.round(opts.waitTimeout * 1000),
      confirm: (lines) => confirmRestore(lines, opts.yes),
    }),
  );
}

export async function backupLsAction(opts: StoreCliOptions & { json?: boolean }): Promise<number> {
  const store = await storeFromOptions(opts);
  try {
    const entries = await listBackups(store);
    if (opts.json) {
      const out = entries.map((e) => ({
        id: e.id,
        status: e.status,
        time: e.time ?? null,
        size: e.size,
        objects: e.objects.length,
        hosts: e.hosts,
        cluster_id: e.manifest?.clusterId ?? null,
        problem: e.problem ?? null,
      }));
      process.stdout.write(JSON.stringify({ store: store.location, backups: out }, null, 2) + '\n');
      return 0;
    }
    if (entries.length === 0) {
      process.stdout.write(`no backups in ${store.location}\n`);
      return 0;
    }
    const rows = entries.map((e) => [
      e.id,
      e.status === 'complete' ? 'complete' : e.status === 'incomplete' ? 'INCOMPLETE' : 'DAMAGED',
      formatBytes(e.size),
      String(e.manifest?.items.length ?? e.objects.length),
      e.hosts.join(',') || '-',
      e.problem ?? '',
    ]);
    const header = ['ID', 'STATUS', 'SIZE', 'ITEMS', 'HOSTS', 'NOTE'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]): string =>
      cells
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd();
    process.stdout.write(`${store.location}\n${[header, ...rows].map(line).join('\n')}\n`);
    return 0;
  } finally {
    await store.close();
  }
}

export async function backupRmAction(id: string, opts: StoreCliOptions): Promise<number> {
  const store = await storeFromOptions(opts);
  try {
    const entry = await getBackup(store, id);
    if (!entry)
      throw new FleetError('usage', `no backup ${id} in ${store.location}`, {
        hint: 'list them with `fleet backup ls`',
      });
    await deleteBackup(store, entry);
    process.stdout.write(
      `deleted backup ${id} (${entry.status}, ${entry.objects.length} objects, ${formatBytes(entry.size)})\n`,
    );
    return 0;
  } finally {
    await store.close();
  }
}
