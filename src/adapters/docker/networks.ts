/** Network requests: inspect by exact name, create, remove. */
import type { EngineApi } from './engine-api.js';
import { parseNetwork } from './parse.js';
import type { NetworkInfo, NetworkSpec } from './types.js';

export function inspectNetwork(
  api: EngineApi,
  name: string,
  signal?: AbortSignal,
): Promise<NetworkInfo | undefined> {
  return api.call(`GET /networks/${name}`, signal, async (signal) => {
    // Filter by exact name: GET /networks/{id} also matches id prefixes.
    const list = (await api.docker.listNetworks({
      filters: { name: [name] },
      abortSignal: signal,
    } as never)) as unknown as { Name: string; Id: string }[];
    const hit = list.find((n) => n.Name === name);
    if (!hit) return undefined;
    return parseNetwork(await api.docker.getNetwork(hit.Id).inspect({ abortSignal: signal } as never));
  });
}

export function createNetwork(api: EngineApi, spec: NetworkSpec, signal?: AbortSignal): Promise<string> {
  return api.call('POST /networks/create', signal, async (signal) => {
    const ipam = spec.subnet
      ? {
          Driver: 'default',
          Config: [{ Subnet: spec.subnet, ...(spec.gateway ? { Gateway: spec.gateway } : {}) }],
        }
      : undefined;
    const net = await api.docker.createNetwork({
      Name: spec.name,
      Driver: spec.driver,
      Attachable: spec.attachable,
      Labels: spec.labels ?? {},
      ...(ipam ? { IPAM: ipam } : {}),
      abortSignal: signal,
    } as never);
    return net.id;
  });
}

export function removeNetwork(api: EngineApi, name: string, signal?: AbortSignal): Promise<void> {
  return api.call(`DELETE /networks/${name}`, signal, async (signal) => {
    await api.docker.getNetwork(name).remove({ abortSignal: signal } as never);
  });
}
