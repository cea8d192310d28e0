/**
 * Backup phase 4: stream every item into the store, a bounded number of hosts at once and the items
 * of one host in sequence (swarm first). A storage failure or Ctrl-C stops every stream (`stopAll`).
 */
import { shQuote } from '../../../adapters/ssh/quote.js';
import { FleetError, toFleetError } from '../../../core/errors.js';
import type { PlannedItem } from '../../../core/backup-plan.js';
import { forEachHost } from '../../../runtime/for-each-host.js';
import { pickError } from '../errors.js';
import { streamToStore } from '../stream.js';
import { backupSwarm } from '../swarm.js';
import { DEFAULT_STOP_DEADLINE_S } from '../swarm-job.js';
import type { BackupState } from './state.js';

function archiveCommand(item: PlannedItem, gzip: boolean): string {
  const z = gzip ? 'z' : '';
  if (item.kind === 'path') {
    // Relative to / so that restore extracts back into place with `tar -C /`.
    return `tar -C / -c${z}f - ${shQuote(item.source.replace(/^\/+/, ''))}`;
  }
  return `tar -C ${shQuote(item.dir!)} -c${z}f - .`;
}

export async function archiveItems(s: BackupState): Promise<void> {
  // Long (~110 lines) on purpose: a bounded pool of hosts, each streaming its items in sequence, and the
  // per-item report the streams fill; the per-item body is the inner closure.
  const { o, ctx, cluster, source, planned, plan, itemReports, hostReports } = s;
  const { bus, store } = o;
  const byHost = new Map(s.observedHosts.map((h) => [h.target.id, h]));
  const stopAll = new AbortController();
  const onAbort = (): void => stopAll.abort();
  o.signal.addEventListener('abort', onAbort, { once: true });
  const watcher =
    cluster?.leader && cluster.leader !== source
      ? cluster.leader.engine
      : s.observedHosts.find((h) => h !== source && h.engine && h.observation.docker?.manager)?.engine;
  const hostsWithItems = [...new Set(planned.map((p) => p.item.host))];
  await forEachHost(hostsWithItems, { concurrency: o.concurrency }, async (hostId) => {
    const host = byHost.get(hostId)!;
    const report = hostReports.get(hostId)!;
    const started = Date.now();
    if (stopAll.signal.aborted) {
      s.failHost(
        hostId,
        new FleetError(o.signal.aborted ? 'interrupted' : 'storage', 'not started: the backup was stopped', {
          host: hostId,
        }),
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
                  nodeId: plan!.swarm!.nodeId,
                  watcher,
                  unlockKey: s.unlockKey,
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
          s.manifestItems.push({
            host: hostId,
            kind: item.kind,
            source: item.source,
            key,
            size: result.size,
            sha256: result.sha256,
            compression: s.compression,
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
      s.failHost(hostId, error, started);
      // The store is shared: when it fails, the other streams would only fail more slowly.
      if (error.code === 'storage' || error.code === 'interrupted') stopAll.abort();
    }
  });
  o.signal.removeEventListener('abort', onAbort);
  for (const h of hostReports.values()) {
    if (h.status === 'skipped' && s.observedHosts.some((x) => x.target.id === h.id)) {
      h.status = 'ok';
      bus.emit({ type: 'host:done', host: h.id, ok: true, durationMs: 0 });
    }
  }
  if (s.errors.length > 0) throw pickError(s.errors, false)!;
}
