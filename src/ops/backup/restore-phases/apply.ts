/**
 * Restore phases 4–5: the swarm state first, by Docker's disaster-recovery procedure on one manager
 * (volumes and paths of services come back into a running cluster), then paths and volumes in place,
 * a bounded number of hosts at once.
 */
import { createDockerEngine } from '../../../adapters/docker/engine.js';
import { Secret } from '../../../adapters/docker/types.js';
import type { BackupStore } from '../../../adapters/s3/types.js';
import { shQuote } from '../../../adapters/ssh/quote.js';
import { toFleetError } from '../../../core/errors.js';
import { forEachHost } from '../../../runtime/for-each-host.js';
import { streamFromStore } from '../stream.js';
import { restoreSwarm } from '../swarm-restore.js';
import type { RestoreState } from './state.js';

async function readSecret(store: BackupStore, key: string): Promise<Secret> {
  const chunks: Buffer[] = [];
  for await (const chunk of await store.get(key)) chunks.push(chunk as Buffer);
  return new Secret(Buffer.concat(chunks).toString('utf8').trim());
}

export async function restoreSwarmItem(s: RestoreState): Promise<void> {
  const { o, ctx, swarmItem, unlockItem, itemReports, hostReports, fileItems } = s;
  const { bus, store } = o;
  if (!swarmItem) return;
  const host = s.swarmTarget!;
  s.started.set(host.id, Date.now());
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
    s.swarmReport = {
      host: host.id,
      node_id: result.nodeId,
      autolock: Boolean(unlockItem),
      was_leader: true,
    };
    s.notes.push(`${host.id}: the previous /var/lib/docker/swarm was kept as ${result.previous}`);
    if (result.removed.length > 0) {
      s.notes.push(`removed the old cluster's stale manager entries: ${result.removed.join(', ')}`);
    }
    s.notes.push('run `fleet up` to re-join the other nodes to the recovered swarm');
    hostReports.get(host.id)!.items += 1;
  } catch (err) {
    const error = toFleetError(err);
    itemReport.status = 'failed';
    itemReport.error = error.message;
    s.errors.push(error);
    s.done(host.id, false, error);
    throw error;
  }
  if (!fileItems.some((i) => i.host === host.id)) s.done(host.id, true);
}

export async function restoreFiles(s: RestoreState): Promise<void> {
  const { o, ctx, fileItems, itemReports, hostReports } = s;
  const { bus, store } = o;
  const fileHosts = [...new Set(fileItems.map((i) => i.host))];
  await forEachHost(fileHosts, { concurrency: o.concurrency }, async (hostId) => {
    const host = s.byId.get(hostId)!;
    if (!s.started.has(hostId)) s.started.set(hostId, Date.now());
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
            try {
              dir =
                (await engine.volumeMountpoint(item.source)) ??
                (await ctx.change(hostId, `create volume ${item.source}`, () =>
                  engine.createVolume(item.source),
                ))!;
            } finally {
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
      s.done(hostId, true);
    } catch (err) {
      const error = toFleetError(err);
      s.errors.push(error);
      s.done(hostId, false, error);
    }
  });
}
