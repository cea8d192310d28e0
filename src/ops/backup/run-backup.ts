/**
 * `fleet backup`: observe -> plan -> stream every item (bounded pool of hosts, items of one host in
 * sequence) -> manifest LAST -> retention. Any failure means no manifest: the backup stays incomplete,
 * `backup ls` says so, and retention does not run.
 */
import { createHash } from 'node:crypto';
import pLimit from 'p-limit';
import type { Secret } from '../../adapters/docker/types.js';
import type { BackupStore } from '../../adapters/s3/types.js';
import { shQuote } from '../../adapters/ssh/quote.js';
import type { SshPool } from '../../adapters/ssh/types.js';
import { EXIT_CODES, FleetError, toFleetError, type ErrorCode } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import type { EventBus } from '../../runtime/events.js';
import { createPhaseContext } from '../../runtime/phase.js';
import type { OperationResult, Runtime } from '../../runtime/types.js';
import { createEngineExtras } from '../../adapters/docker/engine-extras.js';
import {
  assignKeys,
  buildManifest,
  manifestKey,
  serializeManifest,
  uniqueBackupId,
  type Compression,
  type ManifestItem,
} from '../../core/backup-manifest.js';
import { observeHosts, readCluster, type ObservedHost } from './observe.js';
import {
  DEFAULT_PATHS,
  planBackup,
  validatePath,
  type BackupKind,
  type PlannedItem,
} from '../../core/backup-plan.js';
import {
  buildBackupReport,
  failureKind,
  pendingHostReport,
  type BackupRunReport,
  type HostReport,
  type ItemReport,
} from './report.js';
import { applyRetention } from './prune.js';
import { runBackupOperation } from './run-op.js';
import { scopeOfKeys } from './retention.js';
import { streamToStore } from './stream.js';
import { backupSwarm } from './swarm.js';
import { DEFAULT_STOP_DEADLINE_S } from './swarm-job.js';

export interface BackupRunOptions {
  hosts: HostTarget[];
  pool: SshPool;
  bus: EventBus;
  store: BackupStore;
  kinds: BackupKind[];
  explicitKinds: boolean;
  extraPaths: string[];
  volumes: string[];
  allowDowntime: boolean;
  gzip: boolean;
  concurrency: number;
  keep?: number;
  /** Observe and plan only: list what would be archived and what --keep would delete; change nothing. */
  dryRun?: boolean;
  /** Longest the swarm archive may take while Docker is stopped (the remote job starts it past that). */
  stopDeadlineS?: number;
  sudo: boolean;
  sudoPassword?: string;
  signal: AbortSignal;
  waitTimeoutMs: number;
  fleetVersion: string;
}

/** Worst first: a storage failure is what the user must fix before anything else. */
const ERROR_PRIORITY: ErrorCode[] = [
  'interrupted',
  'storage',
  'integrity',
  'quorum',
  'docker',
  'hostkey',
  'auth',
  'connect',
  'timeout',
  'remote-exit',
];

export function pickError(errors: FleetError[], anyHostOk: boolean): FleetError | undefined {
  if (errors.length === 0) return undefined;
  const sorted = [...errors].sort((a, b) => rank(a.code) - rank(b.code));
  const worst = sorted[0]!;
  if (worst.code === 'storage' || worst.code === 'interrupted' || worst.code === 'integrity') return worst;
  if (anyHostOk)
    return new FleetError('partial', worst.message, { host: worst.host, hint: worst.hint, cause: worst });
  return worst;
}
function rank(code: ErrorCode): number {
  const i = ERROR_PRIORITY.indexOf(code);
  return i < 0 ? ERROR_PRIORITY.length : i;
}

function archiveCommand(item: PlannedItem, gzip: boolean): string {
  const z = gzip ? 'z' : '';
  if (item.kind === 'path') {
    // Relative to / so that restore extracts back into place with `tar -C /`.
    return `tar -C / -c${z}f - ${shQuote(item.source.replace(/^\/+/, ''))}`;
  }
  return `tar -C ${shQuote(item.dir!)} -c${z}f - .`;
}

async function backupWith(o: BackupRunOptions): Promise<{ report: BackupRunReport; error?: FleetError }> {
  const startedAt = new Date();
  const { bus, store } = o;
  const ctx = createPhaseContext(bus, o.dryRun === true, o.signal);
  const compression: Compression = o.gzip ? 'gzip' : 'none';
  const notes: string[] = [];
  const itemReports: ItemReport[] = [];
  const hostReports = new Map<string, HostReport>();
  const errors: FleetError[] = [];
  let backupId: string | null = null;
  let manifestWritten: string | null = null;
  let clusterId: string | null = null;
  let swarmReport: BackupRunReport['swarm'] = null;
  let retention: BackupRunReport['retention'] = null;
  let observedHosts: ObservedHost[] = [];

  // The report, from whatever state the run reached (also the dry run's early return).
  const finish = (): { report: BackupRunReport; error?: FleetError } => {
    const anyOk = [...hostReports.values()].some((h) => h.status === 'ok');
    const error = manifestWritten && errors.length === 0 ? undefined : pickError(errors, anyOk);
    const exitCode = error ? EXIT_CODES[error.code] : 0;
    const report = buildBackupReport({
      command: 'backup',
      startedAt,
      durationMs: Date.now() - startedAt.getTime(),
      backupId,
      store: store.location,
      complete: manifestWritten !== null,
      manifestKey: manifestWritten,
      clusterId,
      swarm: swarmReport,
      hosts: [...hostReports.values()],
      items: itemReports,
      notes,
      changes: ctx.changes,
      retention,
      interrupted: o.signal.aborted,
      exitCode,
      error: error ? `${error.host ? error.host + ': ' : ''}${error.message}` : null,
    });
    return { report, error };
  };

  bus.emit({
    type: 'run:start',
    command: 'backup',
    hosts: o.hosts.map((h) => h.id),
    at: startedAt.getTime(),
  });
  for (const h of o.hosts) {
    hostReports.set(h.id, pendingHostReport(h.id, h.address));
  }
  const failHost = (host: string, error: FleetError, started = Date.now()): void => {
    errors.push(error);
    const r = hostReports.get(host);
    if (r)
      Object.assign(r, {
        status: error.code === 'interrupted' ? 'interrupted' : 'failed',
        error: error.message,
        failure: failureKind(error.code),
      });
    bus.emit({
      type: 'host:done',
      host,
      ok: false,
      error: error.message,
      failure: failureKind(error.code) ?? undefined,
      durationMs: Date.now() - started,
    });
  };

  try {
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
    observedHosts = observed.hosts;
    for (const f of observed.failures) failHost(f.host, f.error);
    // A host we cannot see is a host we cannot back up: stop before anything changes anywhere.
    if (observed.failures.length > 0) throw pickError(errors, false)!;

    const cluster = o.kinds.includes('swarm') ? await readCluster(observed.hosts, o.signal) : undefined;
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
    clusterId = plan.clusterId;
    for (const n of plan.notes) {
      notes.push(n.host ? `${n.host}: ${n.message}` : n.message);
      bus.log('info', n.message, n.host);
    }

    const existing = await store.list();
    backupId = uniqueBackupId(
      startedAt,
      existing.map((e) => e.key.split('/')[0] ?? ''),
    );
    const keys = assignKeys(backupId, plan.items, compression);
    const planned = plan.items.map((item, i) => ({ item, key: keys[i]! }));
    if (o.dryRun) {
      for (const { item } of planned) {
        const what =
          item.kind === 'swarm'
            ? 'stop Docker, archive /var/lib/docker/swarm, start Docker'
            : `archive ${item.kind} ${item.source}`;
        await ctx.change(item.host, what, async () => undefined);
      }
      if (o.keep !== undefined)
        retention = await applyRetention(store, ctx, o.keep, scopeOfKeys(keys), backupId);
      for (const h of observed.hosts) {
        hostReports.get(h.target.id)!.status = 'ok';
        bus.emit({ type: 'host:done', host: h.target.id, ok: true, durationMs: 0 });
      }
      return finish();
    }
    for (const { item, key } of planned) {
      itemReports.push({
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

    // The unlock key is read before the source manager stops, from a manager that stays up.
    const manifestItems: ManifestItem[] = [];
    let unlockKey: Secret | undefined;
    let autolock = false;
    const byHost = new Map(observed.hosts.map((h) => [h.target.id, h]));
    const source = plan.swarm ? byHost.get(plan.swarm.host)! : undefined;
    const keyReader = cluster?.leader && cluster.leader !== source ? cluster.leader : source;
    if (plan.swarm && keyReader?.engine) {
      const extras = createEngineExtras(keyReader.conn, keyReader.engine, o.sudoPassword);
      try {
        autolock = await extras.autolock();
        if (autolock) unlockKey = await extras.unlockKey();
      } finally {
        extras.close();
      }
      swarmReport = {
        host: plan.swarm.host,
        node_id: plan.swarm.nodeId,
        autolock,
        was_leader: plan.swarm.wasLeader,
      };
      if (unlockKey) {
        // Stored as its own owner-only object, never in the manifest, a report or a log line.
        const [key] = assignKeys(
          backupId,
          [{ host: plan.swarm.host, kind: 'unlock-key', source: 'swarm' }],
          compression,
        );
        const bytes = Buffer.from(unlockKey.reveal() + '\n');
        await store.putBytes(key!, bytes, { secret: true });
        manifestItems.push({
          host: plan.swarm.host,
          kind: 'unlock-key',
          source: 'swarm',
          key: key!,
          size: bytes.length,
          sha256: createHash('sha256').update(bytes).digest('hex'),
          compression: 'none',
        });
      }
    }

    const stopAll = new AbortController();
    const onAbort = (): void => stopAll.abort();
    o.signal.addEventListener('abort', onAbort, { once: true });
    const watcher =
      cluster?.leader && cluster.leader !== source
        ? cluster.leader.engine
        : observed.hosts.find((h) => h !== source && h.engine && h.observation.docker?.manager)?.engine;
    const limit = pLimit(Math.max(1, o.concurrency));
    const hostsWithItems = [...new Set(planned.map((p) => p.item.host))];
    await Promise.all(
      hostsWithItems.map((hostId) =>
        limit(async () => {
          const host = byHost.get(hostId)!;
          const report = hostReports.get(hostId)!;
          const started = Date.now();
          if (stopAll.signal.aborted) {
            failHost(
              hostId,
              new FleetError(
                o.signal.aborted ? 'interrupted' : 'storage',
                'not started: the backup was stopped',
                { host: hostId },
              ),
            );
            return;
          }
          bus.hostState(hostId, 'running');
          let bytes = 0;
          try {
            // The swarm item first: the manager's outage window should not wait behind big volumes.
            const mine = planned
              .filter((p) => p.item.host === hostId)
              .sort((a, b) => Number(b.item.kind === 'swarm') - Number(a.item.kind === 'swarm'));
            for (const { item, key } of mine) {
              const itemReport = itemReports.find((r) => r.key === key)!;
              const common = {
                conn: host.conn,
                host: hostId,
                bus,
                signal: stopAll.signal,
                sudo: o.sudo,
                sudoPassword: o.sudoPassword,
                waitTimeoutMs: o.waitTimeoutMs,
              };
              try {
                const result =
                  item.kind === 'swarm'
                    ? await backupSwarm({
                        ...common,
                        ctx,
                        nodeId: plan.swarm!.nodeId,
                        watcher,
                        unlockKey,
                        store,
                        key,
                        gzip: o.gzip,
                        stopDeadlineS: o.stopDeadlineS ?? DEFAULT_STOP_DEADLINE_S,
                      })
                    : await streamToStore({
                        ...common,
                        command: archiveCommand(item, o.gzip),
                        what: `tar of ${item.kind} ${item.source}`,
                        store,
                        key,
                        tolerateExit1: true,
                        baseBytes: bytes,
                      });
                bytes += result.size;
                Object.assign(itemReport, { status: 'ok', size: result.size, sha256: result.sha256 });
                manifestItems.push({
                  host: hostId,
                  kind: item.kind,
                  source: item.source,
                  key,
                  size: result.size,
                  sha256: result.sha256,
                  compression,
                });
              } catch (err) {
                const error = toFleetError(err);
                Object.assign(itemReport, { status: 'failed', error: error.message });
                throw error;
              }
            }
            Object.assign(report, {
              status: 'ok',
              items: mine.length,
              bytes,
              duration_seconds: (Date.now() - started) / 1000,
            });
            bus.emit({ type: 'host:done', host: hostId, ok: true, durationMs: Date.now() - started });
          } catch (err) {
            const error = toFleetError(err);
            report.bytes = bytes;
            report.duration_seconds = (Date.now() - started) / 1000;
            failHost(hostId, error, started);
            // The store is shared: when it fails, the other streams would only fail more slowly.
            if (error.code === 'storage' || error.code === 'interrupted') stopAll.abort();
          }
        }),
      ),
    );
    o.signal.removeEventListener('abort', onAbort);
    for (const h of hostReports.values()) {
      if (h.status === 'skipped' && observed.hosts.some((x) => x.target.id === h.id)) {
        h.status = 'ok';
        bus.emit({ type: 'host:done', host: h.id, ok: true, durationMs: 0 });
      }
    }
    if (errors.length > 0) throw pickError(errors, false)!;

    const dockerVersion =
      (source ?? observed.hosts.find((h) => h.observation.docker))?.observation.docker?.version ?? null;
    const manifest = buildManifest({
      id: backupId,
      startedAt,
      finishedAt: new Date(),
      fleetVersion: o.fleetVersion,
      clusterId,
      dockerVersion,
      swarm: plan.swarm
        ? {
            host: plan.swarm.host,
            nodeId: plan.swarm.nodeId,
            managers: plan.swarm.managers,
            autolock,
            ...(plan.swarm.addr ? { addr: plan.swarm.addr } : {}),
            ...(plan.swarm.wasLeader ? { wasLeader: true } : {}),
          }
        : undefined,
      items: manifestItems,
    });
    await store.putBytes(manifestKey(backupId), serializeManifest(manifest));
    manifestWritten = manifestKey(backupId);
    bus.log('info', `backup ${backupId} complete: ${manifestWritten}`);

    if (o.keep !== undefined) {
      retention = await applyRetention(store, ctx, o.keep, scopeOfKeys(keys), backupId);
    }
  } catch (err) {
    const error = toFleetError(err);
    if (!errors.includes(error) && !(error.code === 'partial')) errors.push(error);
  } finally {
    for (const h of observedHosts) h.engine?.close();
  }

  return finish();
}

/** `fleet backup`'s typed input: what the front end resolved from its flags (hosts, store, knobs). */
export interface BackupInput {
  hosts: HostTarget[];
  store: BackupStore;
  kinds: BackupKind[];
  explicitKinds: boolean;
  extraPaths: string[];
  volumes: string[];
  allowDowntime: boolean;
  gzip: boolean;
  concurrency: number;
  keep?: number;
  /** Longest the swarm archive may take while Docker is stopped (the remote job starts it past that). */
  stopDeadlineS?: number;
  sudo: boolean;
  waitTimeoutMs: number;
  fleetVersion: string;
  dryRun: boolean;
  /** Where to write the JSON report (default ./reports/backup-<time>.json). */
  reportPath?: string;
}

/** Runs one backup on the runtime's session; the store stays open (the caller opened it, the caller closes it). */
export function runBackup(input: BackupInput, rt: Runtime): Promise<OperationResult<BackupRunReport>> {
  const { reportPath, ...rest } = input;
  return runBackupOperation('backup', rt, reportPath, (pool) =>
    backupWith({ ...rest, pool, bus: rt.bus, signal: rt.signal, sudoPassword: rt.sudoPassword }),
  );
}
