/**
 * Backup phase 3: with autolock on, the swarm's unlock key is read before the source manager stops,
 * from a manager that stays up, and stored as its own owner-only object.
 */
import { createHash } from 'node:crypto';
import { assignKeys } from '../../../core/backup-manifest.js';
import type { BackupState } from './state.js';

export async function storeUnlockKey(s: BackupState): Promise<void> {
  const { o, plan, cluster } = s;
  const backupId = s.backupId!;
  const byHost = new Map(s.observedHosts.map((h) => [h.target.id, h]));
  const source = plan!.swarm ? byHost.get(plan!.swarm.host)! : undefined;
  s.source = source;
  const keyReader = cluster?.leader && cluster.leader !== source ? cluster.leader : source;
  if (plan!.swarm && keyReader?.engine) {
    const engine = keyReader.engine;
    try {
      s.autolock = await engine.autolock();
      if (s.autolock) s.unlockKey = await engine.unlockKey();
    } finally {
      engine.closeRaw();
    }
    s.swarmReport = {
      host: plan!.swarm.host,
      node_id: plan!.swarm.nodeId,
      autolock: s.autolock,
      was_leader: plan!.swarm.wasLeader,
    };
    if (s.unlockKey) {
      // Stored as its own owner-only object, never in the manifest, a report or a log line.
      const [key] = assignKeys(
        backupId,
        [{ host: plan!.swarm.host, kind: 'unlock-key', source: 'swarm' }],
        s.compression,
      );
      const bytes = Buffer.from(s.unlockKey.reveal() + '\n');
      await o.store.putBytes(key!, bytes, { secret: true });
      s.manifestItems.push({
        host: plan!.swarm.host,
        kind: 'unlock-key',
        source: 'swarm',
        key: key!,
        size: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        compression: 'none',
      });
    }
  }
}
