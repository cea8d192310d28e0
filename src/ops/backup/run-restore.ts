/**
 * `fleet restore ID`: read the manifest, verify EVERY selected object's sha256 by streaming it through
 * the hash, and only then (after confirmation) change hosts: the swarm state first (Docker's
 * disaster-recovery procedure on one manager), then paths and volumes in place.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import pLimit from 'p-limit';
import { createDockerEngine } from '../../adapters/docker/engine.js';
import { Secret } from '../../adapters/docker/types.js';
import type { BackupStore } from '../../adapters/s3/types.js';
import { shQuote } from '../../adapters/ssh/quote.js';
import type { SshPool } from '../../adapters/ssh/types.js';
import { EXIT_CODES, FleetError, toFleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import type { EventBus } from '../../runtime/events.js';
import { createPhaseContext } from '../../runtime/phase.js';
import type { OperationResult, Runtime } from '../../runtime/types.js';
import { getBackup } from './catalog.js';
import { createEngineExtras } from '../../adapters/docker/engine-extras.js';
import { selectRestoreItems, type ManifestItem, type RestoreOnly } from '../../core/backup-manifest.js';
import {
  buildBackupReport,
  failureKind,
  pendingHostReport,
  type BackupRunReport,
  type HostReport,
  type ItemReport,
} from './report.js';
import { pickError } from './errors.js';
import { hashObject, streamFromStore } from './stream.js';
import { refuseLiveSwarm, seeLiveQuorum } from './restore-guard.js';
import { restoreSwarm } from './swarm.js';
import { runBackupOperation } from './run-op.js';

export interface RestoreRunOptions {
  id: string;
  store: BackupStore;
  /** Hosts fleet may act on: the -n selection, or the whole inventory. */
  hosts: HostTarget[];
  /** True when -n/-x/--role narrowed the hosts: restore only their items, and the swarm onto that host. */
  selected: boolean;
  only?: RestoreOnly[];
  pool: SshPool;
  bus: EventBus;
  signal: AbortSignal;
  concurrency: number;
  sudo: boolean;
  sudoPassword?: string;
  waitTimeoutMs: number;
  /** Shows what will change and answers whether to go on (TTY prompt, or --yes). */
  confirm(lines: string[]): Promise<boolean>;
}

/**
 * Docker recovers a swarm backup only onto a host with the address it was taken from: the restored
 * raft state keeps advertising the old address even after `init --force-new-cluster --advertise-addr`,
 * and managers that join then look for the leader there and lose quorum (docker/for-linux#523,
 * docker/docs#7931; reproduced on the lab). A replacement machine must take over the old address.
 */
async function checkSameAddress(target: HostTarget, addr: string, origin: string): Promise<void> {
  let address = target.address;
  if (isIP(address) === 0) {
    address = await lookup(address).then(
      (r) => r.address,
      () => address,
    );
  }
  if (address !== addr) {
    throw new FleetError(
      'usage',
      `the swarm state was backed up from ${origin} at ${addr}; Docker can only recover it onto a host with that address, and ${target.id} has ${address}`,
      {
        host: target.id,
        hint: `give the replacement manager the address ${addr} (nodes.yml ip), then run fleet restore -n HOST --only swarm`,
      },
    );
  }
}

async function readSecret(store: BackupStore, key: string): Promise<Secret> {
  const chunks: Buffer[] = [];
  for await (const chunk of await store.get(key)) chunks.push(chunk as Buffer);
  return new Secret(Buffer.concat(chunks).toString('utf8').trim());
}

async function restoreWith(o: RestoreRunOptions): Promise<{ report: BackupRunReport; error?: FleetError }> {
  const startedAt = new Date();
  const { bus, store } = o;
  const ctx = createPhaseContext(bus, false, o.signal);
  const itemReports: ItemReport[] = [];
  const hostReports = new Map<string, HostReport>();
  const errors: FleetError[] = [];
  const notes: string[] = [];
  let clusterId: string | null = null;
  let swarmReport: BackupRunReport['swarm'] = null;
  let complete = false;

  try {
    const entry = await getBackup(store, o.id);
    if (!entry) {
      throw new FleetError('usage', `no backup ${o.id} in ${store.location}`, {
        hint: 'list them with `fleet backup ls`',
      });
    }
    if (entry.status === 'incomplete') {
      throw new FleetError(
        'usage',
        `backup ${o.id} is incomplete (no manifest.json) and cannot be restored`,
        {
          hint: 'pick a complete backup from `fleet backup ls`',
        },
      );
    }
    if (entry.status === 'damaged')
      throw new FleetError('integrity', `backup ${o.id} is damaged: ${entry.problem}`);
    const manifest = entry.manifest!;
    clusterId = manifest.clusterId;
    const byId = new Map(o.hosts.map((h) => [h.id, h]));
    const items = selectRestoreItems(manifest, {
      only: o.only,
      hosts: o.selected ? o.hosts.map((h) => h.id) : undefined,
    });
    if (items.length === 0)
      throw new FleetError('usage', `backup ${o.id} has nothing to restore for this selection`);
    const swarmItem = items.find((i) => i.kind === 'swarm');
    const unlockItem = items.find((i) => i.kind === 'unlock-key');

    // Where each item goes. The swarm state goes to one manager: the one -n names, else its origin.
    let swarmTarget: HostTarget | undefined;
    if (swarmItem) {
      if (o.selected) {
        if (o.hosts.length !== 1) {
          throw new FleetError(
            'usage',
            `the swarm state is restored onto one manager, but ${o.hosts.length} hosts are selected`,
            {
              hint: 'name one host with -n, or leave the swarm out with --only paths,volumes',
            },
          );
        }
        swarmTarget = o.hosts[0];
      } else {
        swarmTarget = byId.get(swarmItem.host);
        if (!swarmTarget) {
          throw new FleetError(
            'usage',
            `the swarm was backed up from ${swarmItem.host}, which is not in the inventory`,
            {
              hint: 'choose the manager to recover onto with -n HOST',
            },
          );
        }
      }
    }
    if (swarmTarget && manifest.swarm?.addr)
      await checkSameAddress(swarmTarget, manifest.swarm.addr, manifest.swarm.host);
    if (swarmTarget) {
      const live = await seeLiveQuorum({ ...o, hosts: o.hosts });
      if (live) throw refuseLiveSwarm(live);
    }
    const fileItems = items.filter((i) => i.kind === 'path' || i.kind === 'volume');
    for (const item of fileItems) {
      if (!byId.has(item.host)) {
        throw new FleetError('usage', `${item.key} belongs to ${item.host}, which is not in the inventory`, {
          hint: 'restore the other hosts with -n, or add the host to nodes.yml',
        });
      }
    }
    const targetOf = (item: ManifestItem): string =>
      item.kind === 'swarm' || item.kind === 'unlock-key' ? swarmTarget!.id : item.host;
    for (const item of items) {
      itemReports.push({
        host: targetOf(item),
        kind: item.kind,
        source: item.source,
        key: item.key,
        status: 'not-started',
        size: item.size,
        sha256: item.sha256,
        error: null,
      });
    }
    const involved = [...new Set(items.map(targetOf))];
    for (const id of involved) {
      const h = byId.get(id)!;
      hostReports.set(id, pendingHostReport(id, h.address));
    }
    bus.emit({ type: 'run:start', command: 'restore', hosts: involved, at: startedAt.getTime() });

    // 1. Integrity, before any host is touched.
    for (const item of items) {
      const got = await hashObject(store, item.key, o.signal, (bytes) =>
        bus.emit({
          type: 'host:progress',
          host: targetOf(item),
          done: bytes,
          total: item.size,
          unit: 'bytes',
        }),
      );
      if (got.sha256 !== item.sha256 || got.size !== item.size) {
        throw new FleetError(
          'integrity',
          `${item.key} does not match the manifest (sha256 ${got.sha256}, ${got.size} bytes; expected ${item.sha256}, ${item.size} bytes)`,
          {
            hint: 'the stored object was changed or corrupted; nothing was restored. Restore an older backup',
          },
        );
      }
      itemReports.find((r) => r.key === item.key)!.status = 'verified';
    }
    bus.log('info', `verified ${items.length} objects of backup ${o.id}`);

    // 2. Confirmation, listing exactly what will change.
    const lines: string[] = [];
    if (swarmItem) {
      lines.push(
        `${swarmTarget!.id}: stop Docker, replace /var/lib/docker/swarm with the backup, start Docker, docker swarm init --force-new-cluster (other nodes re-join with fleet up)`,
      );
    }
    for (const item of fileItems) {
      lines.push(
        `${item.host}: extract ${item.kind} ${item.source} in place (existing files with the same names are overwritten)`,
      );
    }
    if (!(await o.confirm(lines))) {
      throw new FleetError('usage', 'restore not confirmed: nothing was changed', {
        hint: 'pass --yes to restore without asking',
      });
    }

    // 3. Swarm first: volumes and paths of services come back into a running cluster.
    const started = new Map<string, number>();
    const done = (host: string, ok: boolean, err?: FleetError): void => {
      const r = hostReports.get(host)!;
      const t0 = started.get(host) ?? Date.now();
      r.duration_seconds = (Date.now() - t0) / 1000;
      if (ok) r.status = 'ok';
      else
        Object.assign(r, {
          status: err?.code === 'interrupted' ? 'interrupted' : 'failed',
          error: err?.message ?? null,
          failure: err ? failureKind(err.code) : null,
        });
      bus.emit({ type: 'host:done', host, ok, error: err?.message, durationMs: Date.now() - t0 });
    };
    if (swarmItem) {
      const host = swarmTarget!;
      started.set(host.id, Date.now());
      bus.hostState(host.id, 'running', 'restoring swarm state');
      const itemReport = itemReports.find((r) => r.key === swarmItem.key)!;
      try {
        const conn = await o.pool.connect(host, o.signal);
        const unlockKey = unlockItem ? await readSecret(store, unlockItem.key) : undefined;
        const result = await restoreSwarm({
          conn,
          host: host.id,
          bus,
          signal: o.signal,
          sudo: o.sudo,
          sudoPassword: o.sudoPassword,
          waitTimeoutMs: o.waitTimeoutMs,
          ctx,
          store,
          key: swarmItem.key,
          sha256: swarmItem.sha256,
          compression: swarmItem.compression,
          backupId: o.id,
          advertiseAddr: host.address,
          unlockKey,
        });
        itemReport.status = 'ok';
        if (unlockItem) itemReports.find((r) => r.key === unlockItem.key)!.status = 'ok';
        swarmReport = {
          host: host.id,
          node_id: result.nodeId,
          autolock: Boolean(unlockItem),
          was_leader: true,
        };
        notes.push(`${host.id}: the previous /var/lib/docker/swarm was kept as ${result.previous}`);
        if (result.removed.length > 0) {
          notes.push(`removed the old cluster's stale manager entries: ${result.removed.join(', ')}`);
        }
        notes.push('run `fleet up` to re-join the other nodes to the recovered swarm');
        hostReports.get(host.id)!.items += 1;
      } catch (err) {
        const error = toFleetError(err);
        itemReport.status = 'failed';
        itemReport.error = error.message;
        errors.push(error);
        done(host.id, false, error);
        throw error;
      }
      if (!fileItems.some((i) => i.host === host.id)) done(host.id, true);
    }

    const limit = pLimit(Math.max(1, o.concurrency));
    const fileHosts = [...new Set(fileItems.map((i) => i.host))];
    await Promise.all(
      fileHosts.map((hostId) =>
        limit(async () => {
          const host = byId.get(hostId)!;
          if (!started.has(hostId)) started.set(hostId, Date.now());
          bus.hostState(hostId, 'running', 'restoring');
          try {
            const conn = await o.pool.connect(host, o.signal);
            for (const item of fileItems.filter((i) => i.host === hostId)) {
              const itemReport = itemReports.find((r) => r.key === item.key)!;
              try {
                const z = item.compression === 'gzip' ? 'z' : '';
                let dir = '/';
                if (item.kind === 'volume') {
                  const engine = await createDockerEngine(conn, {
                    sudoPassword: o.sudoPassword,
                    signal: o.signal,
                  });
                  const extras = createEngineExtras(conn, engine, o.sudoPassword);
                  try {
                    dir =
                      (await extras.volumeMountpoint(item.source)) ??
                      (await ctx.change(hostId, `create volume ${item.source}`, () =>
                        extras.createVolume(item.source),
                      ))!;
                  } finally {
                    extras.close();
                    engine.close();
                  }
                }
                await ctx.change(hostId, `restore ${item.kind} ${item.source} from backup ${o.id}`, () =>
                  streamFromStore({
                    conn,
                    host: hostId,
                    command: `tar -C ${shQuote(dir)} -x${z}f -`,
                    what: `tar -x of ${item.kind} ${item.source}`,
                    store,
                    key: item.key,
                    expectedSha256: item.sha256,
                    bus,
                    signal: o.signal,
                    sudo: o.sudo,
                    sudoPassword: o.sudoPassword,
                  }),
                );
                itemReport.status = 'ok';
                const r = hostReports.get(hostId)!;
                r.items += 1;
                r.bytes += item.size;
              } catch (err) {
                const error = toFleetError(err);
                itemReport.status = 'failed';
                itemReport.error = error.message;
                throw error;
              }
            }
            done(hostId, true);
          } catch (err) {
            const error = toFleetError(err);
            errors.push(error);
            done(hostId, false, error);
          }
        }),
      ),
    );
    complete = errors.length === 0;
  } catch (err) {
    const error = toFleetError(err);
    if (!errors.includes(error)) errors.push(error);
  }

  const anyOk = [...hostReports.values()].some((h) => h.status === 'ok');
  const error = complete ? undefined : pickError(errors, anyOk);
  const report = buildBackupReport({
    command: 'restore',
    startedAt,
    durationMs: Date.now() - startedAt.getTime(),
    backupId: o.id,
    store: store.location,
    complete,
    manifestKey: null,
    clusterId,
    swarm: swarmReport,
    hosts: [...hostReports.values()],
    items: itemReports,
    notes,
    changes: ctx.changes,
    retention: null,
    interrupted: o.signal.aborted,
    exitCode: error ? EXIT_CODES[error.code] : 0,
    error: error ? `${error.host ? error.host + ': ' : ''}${error.message}` : null,
  });
  return { report, error };
}

/** `fleet restore ID`'s typed input. */
export interface RestoreInput {
  id: string;
  store: BackupStore;
  /** Hosts fleet may act on: the -n selection, or the whole inventory. */
  hosts: HostTarget[];
  /** True when -n/-x/--role narrowed the hosts: restore only their items, and the swarm onto that host. */
  selected: boolean;
  only?: RestoreOnly[];
  concurrency: number;
  sudo: boolean;
  waitTimeoutMs: number;
  /** Do not ask (required when nobody can answer). */
  yes: boolean;
  /** Where to write the JSON report (default ./reports/restore-<time>.json). */
  reportPath?: string;
}

/** Runs one restore on the runtime's session; the confirmation goes through rt.ask ('restore'). */
export function runRestore(input: RestoreInput, rt: Runtime): Promise<OperationResult<BackupRunReport>> {
  const { reportPath, yes, ...rest } = input;
  const confirm = async (lines: string[]): Promise<boolean> => {
    if (yes) return true;
    if (!rt.ask.canAsk('restore')) {
      throw new FleetError(
        'usage',
        'restore changes hosts and needs confirmation, but there is no terminal',
        {
          hint: 'pass --yes',
        },
      );
    }
    return rt.ask.confirm({ id: 'restore', question: 'Proceed? [y/N] ', details: lines });
  };
  return runBackupOperation('restore', rt, reportPath, (pool) =>
    restoreWith({ ...rest, pool, bus: rt.bus, signal: rt.signal, sudoPassword: rt.sudoPassword, confirm }),
  );
}
