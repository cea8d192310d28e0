/** Service requests: list (with Docker's filters). */
import type { EngineApi } from './engine-api.js';
import { parseService } from './parse-swarm-objects.js';
import type { ListFilters, SwarmService } from './types.js';

export function listServices(
  api: EngineApi,
  filters?: ListFilters,
  signal?: AbortSignal,
): Promise<SwarmService[]> {
  return api.call('GET /services', signal, async (signal) => {
    const raw = (await api.docker.listServices({
      ...(filters ? { filters } : {}),
      abortSignal: signal,
    } as never)) as unknown as unknown[];
    return raw.map(parseService);
  });
}
