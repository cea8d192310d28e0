/**
 * Docker's swarm backup and disaster-recovery procedures, step by step over SSH + the Engine API.
 * https://docs.docker.com/engine/swarm/admin_guide/#back-up-the-swarm
 *
 * Backup, on a manager that is not the leader: stop Docker, archive /var/lib/docker/swarm, start
 * Docker, unlock it if autolock is on, and wait (polling, no fixed sleeps) until the leader sees it as a
 * Reachable manager again. Docker is started again whatever happened in between.
 * Restore (swarm-restore.ts) uses this file's steps too.
 */
import { createDockerEngine } from '../../adapters/docker/engine.js';
import type { DockerEngine, EngineInfo, Secret } from '../../adapters/docker/types.js';
import type { BackupStore } from '../../adapters/s3/types.js';
import { FleetError } from '../../core/errors.js';
import { pollUntil as pollShared } from '../../core/poll.js';
import type { PhaseContext } from '../../runtime/phase.js';
import { archiveSwarmDetached } from './swarm-job.js';
import type { RemoteContext } from './remote-context.js';

// In its own file so swarm-job.ts can use it without an import circle through this one.
export type { RemoteContext } from './remote-context.js';

/** `systemctl stop docker` also stops docker.socket, so a stray API call cannot socket-activate it mid-archive. */
export const STOP_DOCKER = 'systemctl stop docker.socket >/dev/null 2>&1; systemctl stop docker';
export const START_DOCKER = 'systemctl start docker';

export async function run(r: RemoteContext, command: string, what: string): Promise<void> {
  const result = await r.conn.exec(command, {
    sudo: r.sudo,
    sudoPassword: r.sudoPassword,
    signal: r.signal,
    timeoutMs: r.waitTimeoutMs,
  });
  if (result.exitCode !== 0) {
    const detail = result.stderr.toString('utf8').trim().split('\n').pop() ?? '';
    throw new FleetError(
      'remote-exit',
      `${what} failed (exit ${result.exitCode})${detail ? `: ${detail}` : ''}`,
      {
        host: r.host,
      },
    );
  }
}

/** Docker's own wait hint, for every wait of this file. */
const WAIT_HINT = 'check the host with `systemctl status docker` and `docker info`';

/** The shared helper (core/poll.ts), with this file's hint: waits here are on a host's Docker. */
export function pollUntil<T>(
  what: string,
  check: (signal: AbortSignal) => Promise<T | undefined>,
  options: { timeoutMs: number; signal: AbortSignal; host?: string; attemptMs?: number },
): Promise<T> {
  return pollShared(what, check, { hint: WAIT_HINT, ...options });
}

/** Waits until the engine answers; callers then poll for the swarm state they need. */
export async function waitForEngine(r: RemoteContext): Promise<{ engine: DockerEngine; info: EngineInfo }> {
  return pollUntil(
    `Docker on ${r.host} to answer`,
    async (signal) => {
      // Until dockerd has created its socket, the adapter would fall back to `docker system dial-stdio`
      // (meant for users who may not open the socket) and keep using it; wait for the socket instead.
      const probe = await r.conn.exec('test -S /var/run/docker.sock', {
        sudo: r.sudo,
        sudoPassword: r.sudoPassword,
        signal,
      });
      if (probe.exitCode !== 0) return undefined;
      const engine = await createDockerEngine(r.conn, { sudoPassword: r.sudoPassword, signal });
      try {
        return { engine, info: await engine.info(signal) };
      } catch (err) {
        engine.close();
        throw err;
      }
    },
    { timeoutMs: r.waitTimeoutMs, signal: r.signal, host: r.host },
  );
}

/**
 * Unlocks an autolocked manager after a restart. `strict` (restore): Docker answers the unlock only once
 * the manager has a raft leader; a restored manager whose old peers are gone never gets one, and the
 * engine then blocks every further swarm call (moby holds its control lock while it waits; seen with
 * Docker 20.10, also with the docker CLI). Fail clearly instead of waiting forever.
 */
export async function unlockIfLocked(
  r: RemoteContext,
  engine: DockerEngine,
  info: EngineInfo,
  key: Secret | undefined,
  strict = false,
): Promise<void> {
  if (info.swarm.localNodeState !== 'locked') return;
  if (!key) {
    throw new FleetError('docker', 'the swarm is locked (autolock) and no unlock key is available', {
      host: r.host,
      hint: 'unlock it with `docker swarm unlock` on the host',
    });
  }
  let answered: boolean;
  try {
    answered = await engine.unlock(key, Math.min(r.waitTimeoutMs, 30_000));
  } finally {
    engine.closeRaw();
  }
  if (!answered && strict) {
    throw new FleetError(
      'docker',
      'docker swarm unlock did not complete: the restored manager waits for its old managers, and Docker cannot force a new cluster from a locked state',
      {
        host: r.host,
        hint: 'recover from a backup taken with autolock off (docker swarm update --autolock=false before fleet backup), or bring back a majority of the old managers',
      },
    );
  }
  await pollUntil(
    `${r.host} to unlock`,
    async (signal) => ((await engine.info(signal)).swarm.localNodeState !== 'locked' ? true : undefined),
    { timeoutMs: r.waitTimeoutMs, signal: r.signal, host: r.host },
  );
}

export interface SwarmBackupInput extends RemoteContext {
  ctx: PhaseContext;
  nodeId: string;
  /** Another manager's engine (the leader's) to confirm Reachability; undefined for a lone manager. */
  watcher?: DockerEngine;
  unlockKey?: Secret;
  store: BackupStore;
  key: string;
  gzip: boolean;
  /** Longest the archive may take while Docker is stopped; the job starts Docker again past it. */
  stopDeadlineS: number;
}

export async function backupSwarm(i: SwarmBackupInput): Promise<{ size: number; sha256: string }> {
  let archived: { size: number; sha256: string } | undefined;
  let failure: unknown;
  try {
    archived = await archiveSwarmDetached(i);
  } catch (err) {
    failure = err;
  }
  // The job started Docker again whatever happened; fleet still waits (an interrupt must not skip it)
  // until the manager is back in service, unlocking it if the job could not.
  const restart: RemoteContext = { ...i, signal: new AbortController().signal };
  await waitBackAsManager(restart, i.nodeId, i.watcher, i.unlockKey);
  if (failure) throw failure;
  return archived!;
}

/** After a restart: engine up, unlocked, and (seen from the leader) a Reachable manager again. */
export async function waitBackAsManager(
  r: RemoteContext,
  nodeId: string,
  watcher: DockerEngine | undefined,
  key: Secret | undefined,
): Promise<void> {
  const { engine, info } = await waitForEngine(r);
  try {
    await unlockIfLocked(r, engine, info, key);
    await pollUntil(
      `${r.host} to be a manager again`,
      async (signal) => {
        const now = await engine.info(signal);
        return now.swarm.localNodeState === 'active' && now.swarm.controlAvailable ? true : undefined;
      },
      { timeoutMs: r.waitTimeoutMs, signal: r.signal, host: r.host },
    );
  } finally {
    engine.close();
  }
  // Reachability as the cluster sees it: from another manager when one is at hand, else from itself
  // (a lone manager lists itself; a follower's own list still shows what the raft leader reported).
  const observer = watcher ?? (await waitForEngine(r)).engine;
  try {
    await pollUntil(
      `${r.host} to be a Reachable manager (seen from ${observer.host})`,
      async (signal) => {
        const nodes = await observer.listNodes(signal);
        const node = nodes.find((n) => n.id === nodeId);
        return node?.manager?.reachability === 'reachable' && node.state === 'ready' ? true : undefined;
      },
      { timeoutMs: r.waitTimeoutMs, signal: r.signal, host: r.host },
    );
  } finally {
    if (!watcher) observer.close();
  }
}
