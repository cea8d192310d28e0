/**
 * Container requests on one engine: list, one stats sample (what `docker stats --no-stream` reads) and
 * logs (a non-TTY container's log is the same multiplexed stream as a service's).
 */
import type { EngineApi } from './engine-api.js';
import { parseContainer, parseContainerStats } from './parse-containers.js';
import { openLogStream } from './services.js';
import type { ContainerStatsSample, ContainerSummary, ServiceLogOptions, ServiceLogStream } from './types.js';

export function listContainers(
  api: EngineApi,
  all: boolean,
  signal?: AbortSignal,
): Promise<ContainerSummary[]> {
  return api.call('GET /containers/json', signal, async (signal) => {
    const raw = (await api.docker.listContainers({
      all,
      abortSignal: signal,
    } as never)) as unknown as unknown[];
    return raw.map(parseContainer);
  });
}

export function containerStats(
  api: EngineApi,
  id: string,
  oneShot: boolean,
  signal?: AbortSignal,
): Promise<ContainerStatsSample> {
  return api.call(`GET /containers/${id}/stats`, signal, async (signal) => {
    const raw = await api.docker.getContainer(id).stats({
      stream: false,
      ...(oneShot ? { 'one-shot': true } : {}),
      abortSignal: signal,
    } as never);
    return parseContainerStats(raw);
  });
}

export function containerLogs(
  api: EngineApi,
  id: string,
  o: ServiceLogOptions,
  signal?: AbortSignal,
): Promise<ServiceLogStream> {
  return openLogStream(api, `/containers/${encodeURIComponent(id)}/logs`, o, false, signal, {
    404: 'no such container',
  });
}
