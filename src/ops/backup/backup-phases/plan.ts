/**
 * Backup phases 1–2: observe every host (a host we cannot see stops the run before anything changes),
 * read the cluster, plan the items, pick the backup id and keys. A dry run ends here, with what it
 * would archive and what --keep would delete recorded as changes.
 */
import { assignKeys, uniqueBackupId } from '../../../core/backup-manifest.js';
import { DEFAULT_PATHS, planBackup, validatePath } from '../../../core/backup-plan.js';
import { pickError } from '../errors.js';
import { observeHosts, readCluster } from '../observe.js';
import { applyRetention } from '../prune.js';
import { scopeOfKeys } from '../retention.js';
import type { BackupState } from './state.js';

/** Returns true when the run is over (dry run): the caller reports what it found. */
export async function observeAndPlan(s: BackupState): Promise<boolean> {
  // Long (~85 lines) on purpose: observe, read the cluster, plan and the dry-run report are one step whose
  // early returns (dry run, nothing to do) must leave the same BackupState.
  const { o, ctx } = s;
  const { bus, store } = o;
  const extraPaths = o.extraPaths.map(validatePath);
  const paths = o.kinds.includes('paths') ? [...new Set([...DEFAULT_PATHS, ...extraPaths])] : [];
  const observed = await observeHosts({
    hosts: o.hosts,
    pool: o.pool,
    bus,
    signal: o.signal,
    concurrency: o.concurrency * 4,
    paths,
    volumes: o.kinds.includes('volumes') ? o.volumes : [],
    needDocker: o.kinds.includes('swarm') || (o.kinds.includes('volumes') && o.volumes.length > 0),
    sudo: o.sudo,
    sudoPassword: o.sudoPassword,
  });
  s.observedHosts = observed.hosts;
  for (const f of observed.failures) s.failHost(f.host, f.error);
  // A host we cannot see is a host we cannot back up: stop before anything changes anywhere.
  if (observed.failures.length > 0) throw pickError(s.errors, false)!;

  const cluster = o.kinds.includes('swarm') ? await readCluster(observed.hosts, o.signal) : undefined;
  s.cluster = cluster;
  const plan = planBackup(
    observed.hosts.map((h) => h.observation),
    cluster?.nodes,
    {
      kinds: o.kinds,
      extraPaths,
      volumes: o.volumes,
      allowDowntime: o.allowDowntime,
      explicitKinds: o.explicitKinds,
    },
  );
  s.plan = plan;
  s.clusterId = plan.clusterId;
  for (const n of plan.notes) {
    s.notes.push(n.host ? `${n.host}: ${n.message}` : n.message);
    bus.log('info', n.message, n.host);
  }

  const existing = await store.list();
  const backupId = uniqueBackupId(
    s.startedAt,
    existing.map((e) => e.key.split('/')[0] ?? ''),
  );
  s.backupId = backupId;
  const keys = assignKeys(backupId, plan.items, s.compression);
  s.keys = keys;
  const planned = plan.items.map((item, i) => ({ item, key: keys[i]! }));
  s.planned = planned;
  if (o.dryRun) {
    for (const { item } of planned) {
      const what =
        item.kind === 'swarm'
          ? 'stop Docker, archive /var/lib/docker/swarm, start Docker'
          : `archive ${item.kind} ${item.source}`;
      await ctx.change(item.host, what, async () => undefined);
    }
    if (o.keep !== undefined)
      s.retention = await applyRetention(store, ctx, o.keep, scopeOfKeys(keys), backupId);
    for (const h of observed.hosts) {
      s.hostReports.get(h.target.id)!.status = 'ok';
      bus.emit({ type: 'host:done', host: h.target.id, ok: true, durationMs: 0 });
    }
    return true;
  }
  for (const { item, key } of planned) {
    s.itemReports.push({
      host: item.host,
      kind: item.kind,
      source: item.source,
      key,
      status: 'not-started',
      size: null,
      sha256: null,
      error: null,
    });
  }
  bus.log(
    'info',
    `backup ${backupId} -> ${store.location}: ${planned.length} items on ${new Set(plan.items.map((i) => i.host)).size} hosts`,
  );
  return false;
}
