/**
 * Temporary wrapper (removed in step F of the issue 9 restructure): the calls backups needed beyond
 * DockerEngine now live in adapters/docker (swarm.ts, volumes.ts, raw-request.ts) and on DockerEngine
 * itself (`engine.autolock()` etc.). Until ops/backup switches, this keeps `createEngineExtras` with
 * its own one-channel agent and its own `close()`, exactly as before.
 */
import type { SshConnection } from '../ssh/types.js';
import { createRawRequester } from './raw-request.js';
import { autolock, initForceNewCluster, unlock, unlockKey } from './swarm.js';
import type { DockerEngine, SwarmApi, VolumesApi } from './types.js';
import { createVolume, volumeMountpoint } from './volumes.js';

export type EngineExtras = Pick<SwarmApi, 'autolock' | 'unlockKey' | 'unlock' | 'initForceNewCluster'> &
  VolumesApi & { close(): void };

export function createEngineExtras(
  conn: SshConnection,
  engine: DockerEngine,
  sudoPassword?: string,
): EngineExtras {
  const raw = createRawRequester(conn, {
    apiVersion: engine.apiVersion,
    transport: engine.transport,
    sudoPassword,
  });
  return {
    autolock: () => autolock(raw),
    unlockKey: () => unlockKey(raw),
    unlock: (key, waitMs) => unlock(raw, key, waitMs),
    initForceNewCluster: (advertiseAddr, waitMs) => initForceNewCluster(raw, advertiseAddr, waitMs),
    volumeMountpoint: (name) => volumeMountpoint(raw, name),
    createVolume: (name) => createVolume(raw, name),
    close: () => raw.close(),
  };
}
