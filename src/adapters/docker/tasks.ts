/** Task requests: list (with Docker's filters: service, node, desired-state, …). */
import type { EngineApi } from './engine-api.js';
import { parseTask } from './parse-swarm-objects.js';
import type { ListFilters, SwarmTask } from './types.js';

export function listTasks(api: EngineApi, filters?: ListFilters, signal?: AbortSignal): Promise<SwarmTask[]> {
  return api.call('GET /tasks', signal, async (signal) => {
    const raw = (await api.docker.listTasks({
      ...(filters ? { filters } : {}),
      abortSignal: signal,
    } as never)) as unknown as unknown[];
    return raw.map(parseTask);
  });
}
