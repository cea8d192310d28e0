/** Node requests: list, inspect, update (spec with its version), remove. */
import type { EngineApi } from './engine-api.js';
import { asList, parseNode } from './parse.js';
import type { NodeSpec, SwarmNode } from './types.js';

export async function listNodes(api: EngineApi, signal?: AbortSignal): Promise<SwarmNode[]> {
  return asList(await api.get('/nodes', signal), api.host, 'GET /nodes').map(parseNode);
}

export function inspectNode(api: EngineApi, id: string, signal?: AbortSignal): Promise<SwarmNode> {
  return api.call(`GET /nodes/${id}`, signal, async (signal) =>
    parseNode(await api.docker.getNode(id).inspect({ abortSignal: signal } as never)),
  );
}

export function updateNode(
  api: EngineApi,
  id: string,
  version: number,
  spec: NodeSpec,
  signal?: AbortSignal,
): Promise<void> {
  return api.call(`POST /nodes/${id}/update`, signal, async (signal) => {
    await api.docker.getNode(id).update({ _query: { version }, _body: spec, abortSignal: signal } as never);
  });
}

export function removeNode(api: EngineApi, id: string, force: boolean, signal?: AbortSignal): Promise<void> {
  return api.call(`DELETE /nodes/${id}`, signal, async (signal) => {
    await api.docker.getNode(id).remove({ force, abortSignal: signal } as never);
  });
}
