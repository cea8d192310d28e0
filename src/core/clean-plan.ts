/**
 * `fleet clean`, the pure part: from one host's `docker system df` and the images the swarm's
 * services use, what may go. Never a container labelled fleet.essential=true, never an image a
 * swarm service names (by tag or digest) or a kept container uses; volumes only when asked.
 */
import type { DiskUsage, DfImage } from './disk-usage.js';

export const ESSENTIAL_LABEL = 'fleet.essential';

export interface CleanOptions {
  volumes: boolean;
  stopNonessential: boolean;
}

export interface CleanItem {
  id: string;
  name: string;
  bytes: number;
}

export interface CleanPlan {
  /** Running containers without the essential label, stopped first (--stop-nonessential). */
  stop: CleanItem[];
  containers: CleanItem[];
  /** Images without a tag. */
  danglingImages: CleanItem[];
  /** Tagged images no container and no swarm service uses. */
  unusedImages: CleanItem[];
  volumes: CleanItem[];
  buildCacheBytes: number;
  /** Kept on purpose: essential containers, images of swarm services. */
  kept: { essentialContainers: string[]; serviceImages: string[] };
  /** Sum of what the items above take (shared image layers counted once per image: an estimate). */
  reclaimableBytes: number;
}

const essential = (l: Record<string, string>): boolean => l[ESSENTIAL_LABEL] === 'true';

/** `nginx:1.25@sha256:…`, `nginx:1.25`, `nginx` → the references an image's tags/digests can match. */
export function serviceImageRefs(specImage: string): string[] {
  const [nameTag = '', digest] = specImage.split('@');
  const lastSlash = nameTag.lastIndexOf('/');
  const hasTag = nameTag.lastIndexOf(':') > lastSlash;
  const name = hasTag ? nameTag.slice(0, nameTag.lastIndexOf(':')) : nameTag;
  const refs = [hasTag ? nameTag : `${nameTag}:latest`];
  if (digest) refs.push(`${name}@${digest}`);
  // Docker Hub names are stored without docker.io/ (and library/) locally.
  return refs.flatMap((r) => [r, r.replace(/^docker\.io\//, '').replace(/^library\//, '')]);
}

function usedByService(image: DfImage, refs: Set<string>): boolean {
  return image.repoTags.some((t) => refs.has(t)) || image.repoDigests.some((d) => refs.has(d));
}

const imageBytes = (i: DfImage): number => Math.max(0, i.size - Math.max(0, i.sharedSize));
const shortId = (id: string): string => id.replace(/^sha256:/, '').slice(0, 12);

export function planClean(df: DiskUsage, serviceImages: string[], o: CleanOptions): CleanPlan {
  const refs = new Set(serviceImages.flatMap(serviceImageRefs));
  const stop: CleanItem[] = [];
  const containers: CleanItem[] = [];
  const essentialContainers: string[] = [];
  const keptImageIds = new Set<string>();
  for (const c of df.containers) {
    const item = { id: c.id, name: c.name, bytes: c.sizeRw };
    if (essential(c.labels)) {
      essentialContainers.push(c.name);
      keptImageIds.add(c.imageId);
    } else if (c.state === 'running' || c.state === 'restarting' || c.state === 'paused') {
      if (o.stopNonessential) {
        stop.push(item);
        containers.push(item);
      } else keptImageIds.add(c.imageId);
    } else containers.push(item);
  }
  const danglingImages: CleanItem[] = [];
  const unusedImages: CleanItem[] = [];
  const serviceKept: string[] = [];
  for (const i of df.images) {
    if (keptImageIds.has(i.id)) continue;
    if (usedByService(i, refs)) {
      serviceKept.push(i.repoTags[0] ?? shortId(i.id));
      continue;
    }
    const item = { id: i.id, name: i.repoTags[0] ?? `<none> ${shortId(i.id)}`, bytes: imageBytes(i) };
    (i.repoTags.length === 0 ? danglingImages : unusedImages).push(item);
  }
  const volumes = o.volumes
    ? df.volumes.filter((v) => v.refCount === 0).map((v) => ({ id: v.name, name: v.name, bytes: v.size }))
    : [];
  const sum = (items: CleanItem[]): number => items.reduce((n, i) => n + i.bytes, 0);
  return {
    stop,
    containers,
    danglingImages,
    unusedImages,
    volumes,
    buildCacheBytes: df.buildCacheReclaimable,
    kept: { essentialContainers, serviceImages: serviceKept },
    reclaimableBytes:
      sum(containers) + sum(danglingImages) + sum(unusedImages) + sum(volumes) + df.buildCacheReclaimable,
  };
}

/** Bytes Docker holds, as `docker system df` totals them: layers, writable layers, volumes. */
export function dockerBytes(df: DiskUsage): number {
  return (
    df.layersSize +
    df.containers.reduce((n, c) => n + c.sizeRw, 0) +
    df.volumes.reduce((n, v) => n + v.size, 0) +
    df.buildCacheReclaimable
  );
}

/** `journalctl --disk-usage`: "Archived and active journals take up 1.2G in the file system." */
export function parseJournalUsage(text: string): number | null {
  const m = /take up ([\d.]+)\s*([KMGT]?)i?B?\b/.exec(text);
  if (!m) return null;
  const mult = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[
    m[2] as '' | 'K' | 'M' | 'G' | 'T'
  ];
  return Math.round(Number(m[1]) * mult);
}
