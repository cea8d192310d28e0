/**
 * Swarm requests: inspect/init/join/leave through dockerode, and the disaster-recovery and autolock
 * calls (autolock state, unlock key, unlock, init --force-new-cluster) through the raw requester:
 * unlock and force-new-cluster must stop waiting without an answer (raw-request.ts).
 */
import { FleetError } from '../../core/errors.js';
import type { EngineApi } from './engine-api.js';
import { NO_ANSWER, type RawRequester } from './raw-request.js';
import { Secret, type SwarmInitOptions, type SwarmInspect, type SwarmJoinOptions } from './types.js';

/**
 * A join waits inside the engine until the node is part of the swarm or Docker's own 20 s join
 * timeout ("Timeout was reached before node joined") passes; leave room for that answer.
 */
export const JOIN_TIMEOUT_MS = 45_000;

export function swarmInspect(api: EngineApi, signal?: AbortSignal): Promise<SwarmInspect> {
  return api.call('GET /swarm', signal, async (signal) => {
    const raw = (await api.docker.swarmInspect({ abortSignal: signal } as never)) as unknown as {
      ID: string;
      Version: { Index: number };
      Spec?: { Labels?: Record<string, string> };
      JoinTokens: { Worker: string; Manager: string };
    };
    // Secret registers them with redact before anything else can see them.
    return {
      id: raw.ID,
      version: raw.Version.Index,
      labels: { ...(raw.Spec?.Labels ?? {}) },
      tokens: { worker: new Secret(raw.JoinTokens.Worker), manager: new Secret(raw.JoinTokens.Manager) },
    };
  });
}

export function swarmInit(api: EngineApi, options: SwarmInitOptions, signal?: AbortSignal): Promise<string> {
  return api.call('POST /swarm/init', signal, async (signal) => {
    const body: Record<string, unknown> = {
      ListenAddr: options.listenAddr ?? '0.0.0.0:2377',
      AdvertiseAddr: options.advertiseAddr,
      ForceNewCluster: false,
      Spec: { Labels: options.labels ?? {} },
    };
    if (options.defaultAddrPool) body.DefaultAddrPool = options.defaultAddrPool;
    const nodeId = (await api.docker.swarmInit({ ...body, abortSignal: signal } as never)) as unknown;
    return String(nodeId);
  });
}

export function swarmJoin(api: EngineApi, options: SwarmJoinOptions, signal?: AbortSignal): Promise<void> {
  return api.call(
    'POST /swarm/join',
    signal,
    async (signal) => {
      // The token is revealed only into the request body, which goes down the SSH channel.
      await api.docker.swarmJoin({
        ListenAddr: options.listenAddr ?? '0.0.0.0:2377',
        AdvertiseAddr: options.advertiseAddr,
        RemoteAddrs: options.remoteAddrs,
        JoinToken: options.token.reveal(),
        abortSignal: signal,
      } as never);
    },
    options.timeoutMs ?? JOIN_TIMEOUT_MS,
  );
}

export function swarmLeave(api: EngineApi, force: boolean, signal?: AbortSignal): Promise<void> {
  return api.call('POST /swarm/leave', signal, async (signal) => {
    await api.docker.swarmLeave({ force, abortSignal: signal } as never);
  });
}

/** GET /swarm: whether autolock is on (managers only). */
export async function autolock(raw: RawRequester): Promise<boolean> {
  const swarm = (await raw.request('GET', '/swarm')) as {
    Spec?: { EncryptionConfig?: { AutoLockManagers?: boolean } };
  };
  return swarm?.Spec?.EncryptionConfig?.AutoLockManagers === true;
}

/** GET /swarm/unlockkey; undefined when autolock is off. */
export async function unlockKey(raw: RawRequester): Promise<Secret | undefined> {
  const out = (await raw.request('GET', '/swarm/unlockkey')) as { UnlockKey?: string } | undefined;
  return out?.UnlockKey ? new Secret(out.UnlockKey) : undefined;
}

/** POST /swarm/unlock; false when the engine did not answer within `waitMs` (see DockerEngine.unlock). */
export async function unlock(raw: RawRequester, key: Secret, waitMs = 30_000): Promise<boolean> {
  const out = await raw.request('POST', '/swarm/unlock', { UnlockKey: key.reveal() }, false, waitMs);
  return out !== NO_ANSWER;
}

/** POST /swarm/init with ForceNewCluster: the disaster-recovery step. */
export async function initForceNewCluster(
  raw: RawRequester,
  advertiseAddr: string,
  waitMs: number,
): Promise<string> {
  const body = { ListenAddr: '0.0.0.0:2377', AdvertiseAddr: advertiseAddr, ForceNewCluster: true };
  const out = await raw.request('POST', '/swarm/init', body, false, waitMs);
  if (out === NO_ANSWER) {
    throw new FleetError(
      'docker',
      `swarm init --force-new-cluster did not answer within ${Math.round(waitMs / 1000)}s`,
      {
        host: raw.host,
        hint: 'see `docker info` and the Docker log on the host',
      },
    );
  }
  return String(out ?? '');
}
