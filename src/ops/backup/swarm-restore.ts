/**
 * Docker's swarm disaster recovery onto the chosen manager, over SSH + the Engine API:
 * https://docs.docker.com/engine/swarm/admin_guide/#recover-from-disaster
 * Stop Docker, swap in the archived /var/lib/docker/swarm, start, unlock, `swarm init
 * --force-new-cluster` with the host's address; `fleet up` then re-joins the rest. A failure after the
 * swap puts the previous state back.
 */
import type { Secret } from '../../adapters/docker/types.js';
import type { BackupStore } from '../../adapters/s3/types.js';
import { shQuote } from '../../adapters/ssh/quote.js';
import { FleetError } from '../../core/errors.js';
import type { PhaseContext } from '../../runtime/phase.js';
import { streamFromStore } from './stream.js';
import {
  pollUntil,
  run,
  START_DOCKER,
  STOP_DOCKER,
  unlockIfLocked,
  waitForEngine,
  type RemoteContext,
} from './swarm.js';

export interface SwarmRestoreInput extends RemoteContext {
  ctx: PhaseContext;
  store: BackupStore;
  key: string;
  sha256: string;
  compression: 'gzip' | 'none';
  backupId: string;
  advertiseAddr: string;
  unlockKey?: Secret;
}

/** Docker's disaster recovery onto one manager. Returns the new cluster's node id of this host. */
export async function restoreSwarm(
  i: SwarmRestoreInput,
): Promise<{ nodeId: string; previous: string; removed: string[] }> {
  const previous = `/var/lib/docker/swarm.before-restore-${i.backupId}`;
  await i.ctx.change(i.host, 'stop Docker to replace /var/lib/docker/swarm', () =>
    run(i, STOP_DOCKER, 'systemctl stop docker'),
  );
  const { failure, swapped } = await swapInBackup(i, previous);
  const restart: RemoteContext = { ...i, signal: new AbortController().signal };
  await i.ctx.change(i.host, 'start Docker', () => run(restart, START_DOCKER, 'systemctl start docker'));
  if (failure) {
    if (swapped) await rollBack(i, previous, failure);
    throw failure;
  }
  try {
    return { ...(await recoverAsNewCluster(i)), previous };
  } catch (err) {
    await rollBack(i, previous, err);
    throw err;
  }
}

/**
 * With Docker stopped: extract the backup next to the live folder, then swap it in (the live one
 * kept as `previous`). Never throws: the failure is returned, with whether the swap happened.
 */
async function swapInBackup(
  i: SwarmRestoreInput,
  previous: string,
): Promise<{ failure?: unknown; swapped: boolean }> {
  const staging = `/var/lib/docker/swarm.fleet-restore-${i.backupId}`;
  let failure: unknown;
  let swapped = false;
  try {
    // Extract next to the live folder first: a broken stream must not leave the host without any swarm state.
    await i.ctx.change(i.host, `restore /var/lib/docker/swarm from backup ${i.backupId}`, async () => {
      await run(
        i,
        `rm -rf ${shQuote(staging)} && mkdir -p ${shQuote(staging)}`,
        'preparing the restore folder',
      );
      await streamFromStore({
        conn: i.conn,
        host: i.host,
        command: `tar -C ${shQuote(staging)} -x${i.compression === 'gzip' ? 'z' : ''}f -`,
        what: 'tar -x of the swarm state',
        store: i.store,
        key: i.key,
        expectedSha256: i.sha256,
        bus: i.bus,
        signal: i.signal,
        sudo: i.sudo,
        sudoPassword: i.sudoPassword,
      });
      await run(
        i,
        `test -d ${shQuote(staging)}/swarm && rm -rf ${shQuote(previous)} && ` +
          `{ if [ -e /var/lib/docker/swarm ]; then mv /var/lib/docker/swarm ${shQuote(previous)}; fi; } && ` +
          `mv ${shQuote(staging)}/swarm /var/lib/docker/swarm && rmdir ${shQuote(staging)}`,
        'swapping in the restored /var/lib/docker/swarm',
      );
      swapped = true;
    });
  } catch (err) {
    failure = err;
    // Nothing was swapped (or the swap itself failed): the live folder stays; drop the partial extract.
    await run(
      { ...i, signal: new AbortController().signal },
      `rm -rf ${shQuote(staging)}`,
      'cleaning up',
    ).catch(() => undefined);
  }
  return { failure, swapped };
}

/**
 * Docker runs again on the restored state: unlock, `swarm init --force-new-cluster`, wait until this
 * host leads, and remove the old managers' entries.
 */
async function recoverAsNewCluster(i: SwarmRestoreInput): Promise<{ nodeId: string; removed: string[] }> {
  const { engine, info } = await waitForEngine(i);
  try {
    await unlockIfLocked(i, engine, info, i.unlockKey, true);
    try {
      await i.ctx.change(
        i.host,
        `docker swarm init --force-new-cluster --advertise-addr ${i.advertiseAddr}`,
        () => engine.initForceNewCluster(i.advertiseAddr, i.waitTimeoutMs),
      );
    } finally {
      engine.closeRaw();
    }
    const nodeId = await pollUntil(
      `${i.host} to lead the recovered swarm`,
      async (signal) => {
        const now = await engine.info(signal);
        if (now.swarm.localNodeState !== 'active' || !now.swarm.controlAvailable) return undefined;
        const self = (await engine.listNodes(signal)).find((n) => n.id === now.swarm.nodeId);
        return self?.manager?.leader ? now.swarm.nodeId : undefined;
      },
      { timeoutMs: i.waitTimeoutMs, signal: i.signal, host: i.host },
    );
    // force-new-cluster leaves the old managers' node entries behind (Unreachable, no longer raft
    // members): they would count against quorum for `fleet up` and can never come back as they were.
    // Their hosts re-join with new identities. Workers stay: a surviving one reconnects by itself.
    const stale = (await engine.listNodes(i.signal)).filter((n) => n.id !== nodeId && n.role === 'manager');
    for (const node of stale) {
      await i.ctx.change(
        i.host,
        `remove stale manager entry ${node.hostname} (${node.id.slice(0, 12)})`,
        async () => {
          // No longer raft members, so they cannot be demoted; a forced remove takes the entry away.
          await engine.removeNode(node.id, true, i.signal);
        },
      );
    }
    return { nodeId, removed: stale.map((n) => n.hostname) };
  } finally {
    engine.close();
  }
}

/**
 * A swarm restore that failed after the swap: the restored state must not stay (a half-recovered
 * manager, possibly locked or panicking), so the previous /var/lib/docker/swarm goes back (none, for a
 * fresh engine) and Docker runs again with it.
 */
async function rollBack(i: SwarmRestoreInput, previous: string, cause: unknown): Promise<void> {
  const r: RemoteContext = { ...i, signal: new AbortController().signal };
  i.bus.log('warn', 'the swarm restore failed: putting the previous /var/lib/docker/swarm back', i.host);
  try {
    await i.ctx.change(i.host, 'put the previous /var/lib/docker/swarm back and start Docker', async () => {
      await run(
        r,
        `${STOP_DOCKER}; rm -rf /var/lib/docker/swarm && ` +
          `{ if [ -e ${shQuote(previous)} ]; then mv ${shQuote(previous)} /var/lib/docker/swarm; fi; } && ${START_DOCKER}`,
        'putting the previous /var/lib/docker/swarm back',
      );
      (await waitForEngine(r)).engine.close();
    });
  } catch (err) {
    const first = cause instanceof Error ? cause.message : String(cause);
    throw new FleetError(
      'docker',
      `${first}; putting the previous state back also failed: ${err instanceof Error ? err.message : String(err)}`,
      {
        host: i.host,
        hint: `move ${previous} back to /var/lib/docker/swarm (if present) and start Docker on the host`,
      },
    );
  }
}
