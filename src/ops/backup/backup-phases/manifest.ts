/**
 * Backup phases 5–6: the manifest, written LAST (a backup without one reads as incomplete), then
 * retention (--keep), only after a fully successful backup.
 */
import { buildManifest, manifestKey, serializeManifest } from '../../../core/backup-manifest.js';
import { applyRetention } from '../prune.js';
import { scopeOfKeys } from '../retention.js';
import type { BackupState } from './state.js';

export async function writeManifest(s: BackupState): Promise<void> {
  const { o, plan, source } = s;
  const backupId = s.backupId!;
  const dockerVersion =
    (source ?? s.observedHosts.find((h) => h.observation.docker))?.observation.docker?.version ?? null;
  const manifest = buildManifest({
    id: backupId,
    startedAt: s.startedAt,
    finishedAt: new Date(),
    fleetVersion: o.fleetVersion,
    clusterId: s.clusterId,
    dockerVersion,
    swarm: plan!.swarm
      ? {
          host: plan!.swarm.host,
          nodeId: plan!.swarm.nodeId,
          managers: plan!.swarm.managers,
          autolock: s.autolock,
          ...(plan!.swarm.addr ? { addr: plan!.swarm.addr } : {}),
          ...(plan!.swarm.wasLeader ? { wasLeader: true } : {}),
        }
      : undefined,
    items: s.manifestItems,
  });
  await o.store.putBytes(manifestKey(backupId), serializeManifest(manifest));
  s.manifestWritten = manifestKey(backupId);
  o.bus.log('info', `backup ${backupId} complete: ${s.manifestWritten}`);
}

export async function applyKeep(s: BackupState): Promise<void> {
  const { o } = s;
  if (o.keep !== undefined) {
    s.retention = await applyRetention(o.store, s.ctx, o.keep, scopeOfKeys(s.keys), s.backupId!);
  }
}
