/** What `fleet clean` asks an engine (`docker system df`: GET /system/df, and the removals), as plain data the core plans from. */

export interface DfContainer {
  id: string;
  name: string;
  imageId: string;
  state: string;
  /** Bytes of its writable layer. */
  sizeRw: number;
  labels: Record<string, string>;
}

export interface DfImage {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  size: number;
  /** Bytes shared with other images (-1 when unknown). */
  sharedSize: number;
  /** Containers using it (-1 when unknown). */
  containers: number;
}

export interface DfVolume {
  name: string;
  size: number;
  refCount: number;
}

export interface DiskUsage {
  layersSize: number;
  containers: DfContainer[];
  images: DfImage[];
  volumes: DfVolume[];
  /** Build cache bytes not in use. */
  buildCacheReclaimable: number;
}

export interface CleanupApi {
  diskUsage(signal?: AbortSignal): Promise<DiskUsage>;
  stopContainer(id: string, signal?: AbortSignal): Promise<void>;
  removeContainer(id: string, signal?: AbortSignal): Promise<void>;
  removeImage(id: string, signal?: AbortSignal): Promise<void>;
  removeVolume(name: string, signal?: AbortSignal): Promise<void>;
  /** POST /build/prune; the bytes the engine says it freed. */
  pruneBuildCache(signal?: AbortSignal): Promise<number>;
}
