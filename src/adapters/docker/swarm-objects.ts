/**
 * Networks, secrets and configs found by label, and their removal: what `fleet stack rm` removes
 * after the stack's services (docker's own order: services, secrets, configs, networks).
 */
import type { EngineApi } from './engine-api.js';
import { obj, str } from './parse.js';
import type { SwarmObject, SwarmObjectKind } from './types-services.js';

export function listLabelled(
  api: EngineApi,
  kind: SwarmObjectKind,
  label: string,
  signal?: AbortSignal,
): Promise<SwarmObject[]> {
  return api.call(`GET /${kind}`, signal, async (signal) => {
    const options = { filters: { label: [label] }, abortSignal: signal } as never;
    const raw = (kind === 'networks'
      ? await api.docker.listNetworks(options)
      : kind === 'secrets'
        ? await api.docker.listSecrets(options)
        : await api.docker.listConfigs(options)) as unknown as unknown[];
    return raw.map((r) => {
      const o = obj(r);
      // Networks carry Name at the top; secrets and configs in their Spec.
      return { id: str(o.Id) || str(o.ID), name: str(o.Name) || str(obj(o.Spec).Name) };
    });
  });
}

export function removeObject(
  api: EngineApi,
  kind: SwarmObjectKind,
  id: string,
  signal?: AbortSignal,
): Promise<void> {
  return api.call(`DELETE /${kind}/${id}`, signal, async (signal) => {
    const handle =
      kind === 'networks'
        ? api.docker.getNetwork(id)
        : kind === 'secrets'
          ? api.docker.getSecret(id)
          : api.docker.getConfig(id);
    await handle.remove({ abortSignal: signal } as never);
  });
}
