/** `fleet clean`'s requests on one engine: GET /system/df, stop/remove containers, remove images and volumes, build-cache prune. */
import type { EngineApi } from './engine-api.js';
import { labels, num, obj, str } from './parse.js';
import type { DiskUsage } from '../../core/disk-usage.js';

const strs = (v: unknown): string[] => (Array.isArray(v) ? v.map(str) : []);

export function diskUsage(api: EngineApi, signal?: AbortSignal): Promise<DiskUsage> {
  return api.call(
    'GET /system/df',
    signal,
    async (signal) => {
      const raw = obj(await api.docker.df({ abortSignal: signal } as never));
      const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
      return {
        layersSize: num(raw.LayersSize),
        containers: list(raw.Containers).map((c) => {
          const o = obj(c);
          return {
            id: str(o.Id),
            name: (strs(o.Names)[0] ?? '').replace(/^\//, ''),
            imageId: str(o.ImageID),
            state: str(o.State),
            sizeRw: num(o.SizeRw),
            labels: labels(o.Labels),
          };
        }),
        images: list(raw.Images).map((i) => {
          const o = obj(i);
          return {
            id: str(o.Id),
            repoTags: strs(o.RepoTags).filter((t) => t !== '<none>:<none>'),
            repoDigests: strs(o.RepoDigests).filter((d) => !d.startsWith('<none>')),
            size: num(o.Size),
            sharedSize: typeof o.SharedSize === 'number' ? o.SharedSize : -1,
            containers: typeof o.Containers === 'number' ? o.Containers : -1,
          };
        }),
        volumes: list(raw.Volumes).map((v) => {
          const o = obj(v);
          const usage = obj(o.UsageData);
          return { name: str(o.Name), size: Math.max(0, num(usage.Size)), refCount: num(usage.RefCount) };
        }),
        buildCacheReclaimable: list(raw.BuildCache)
          .map(obj)
          .filter((b) => b.InUse !== true)
          .reduce((n, b) => n + num(b.Size), 0),
      };
    },
    // Walking every layer's size takes a while on a full eMMC.
    120_000,
  );
}

export function stopContainer(api: EngineApi, id: string, signal?: AbortSignal): Promise<void> {
  return api.call(`POST /containers/${id}/stop`, signal, async (signal) => {
    await api.docker.getContainer(id).stop({ t: 10, abortSignal: signal } as never);
  });
}

export function removeContainer(api: EngineApi, id: string, signal?: AbortSignal): Promise<void> {
  return api.call(`DELETE /containers/${id}`, signal, async (signal) => {
    await api.docker.getContainer(id).remove({ abortSignal: signal } as never);
  });
}

export function removeImage(api: EngineApi, id: string, signal?: AbortSignal): Promise<void> {
  return api.call(`DELETE /images/${id}`, signal, async (signal) => {
    // force: an image tagged twice is removed with both tags; never one a container uses (the engine refuses).
    await api.docker.getImage(id).remove({ force: false, noprune: false, abortSignal: signal } as never);
  });
}

export function removeVolume(api: EngineApi, name: string, signal?: AbortSignal): Promise<void> {
  return api.call(`DELETE /volumes/${name}`, signal, async (signal) => {
    await api.docker.getVolume(name).remove({ abortSignal: signal } as never);
  });
}

export function pruneBuildCache(api: EngineApi, signal?: AbortSignal): Promise<number> {
  return api.call('POST /build/prune', signal, async (signal) => {
    const raw = obj(await api.docker.pruneBuilder({ abortSignal: signal } as never));
    return num(raw.SpaceReclaimed);
  });
}
