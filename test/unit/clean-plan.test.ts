import { describe, expect, it } from 'vitest';
import { parseJournalUsage, planClean, serviceImageRefs } from '../../src/core/clean-plan.js';
import type { DiskUsage } from '../../src/core/disk-usage.js';

const df: DiskUsage = {
  layersSize: 1000,
  containers: [
    { id: 'c1', name: 'old', imageId: 'sha256:app', state: 'exited', sizeRw: 10, labels: {} },
    {
      id: 'c2',
      name: 'db',
      imageId: 'sha256:db',
      state: 'exited',
      sizeRw: 20,
      labels: { 'fleet.essential': 'true' },
    },
    { id: 'c3', name: 'web', imageId: 'sha256:web', state: 'running', sizeRw: 5, labels: {} },
  ],
  images: [
    { id: 'sha256:app', repoTags: ['app:1'], repoDigests: [], size: 100, sharedSize: 0, containers: 1 },
    { id: 'sha256:db', repoTags: ['postgres:16'], repoDigests: [], size: 200, sharedSize: 0, containers: 1 },
    { id: 'sha256:web', repoTags: ['nginx:1'], repoDigests: [], size: 50, sharedSize: 0, containers: 1 },
    {
      id: 'sha256:svc',
      repoTags: [],
      repoDigests: ['infer@sha256:abc'],
      size: 300,
      sharedSize: 0,
      containers: 0,
    },
    { id: 'sha256:dang', repoTags: [], repoDigests: [], size: 40, sharedSize: 10, containers: 0 },
  ],
  volumes: [
    { name: 'used', size: 7, refCount: 1 },
    { name: 'orphan', size: 9, refCount: 0 },
  ],
  buildCacheReclaimable: 3,
};

describe('planClean', () => {
  it('keeps essential containers, running ones, their images and swarm service images', () => {
    const p = planClean(df, ['infer:2@sha256:abc'], { volumes: false, stopNonessential: false });
    expect(p.containers.map((c) => c.name)).toEqual(['old']);
    expect(p.stop).toEqual([]);
    expect(p.kept.essentialContainers).toEqual(['db']);
    expect(p.unusedImages.map((i) => i.name)).toEqual(['app:1']);
    expect(p.danglingImages.map((i) => i.bytes)).toEqual([30]);
    expect(p.kept.serviceImages).toEqual(['sha256:svc'.slice(7, 19)]);
    expect(p.volumes).toEqual([]);
    expect(p.reclaimableBytes).toBe(10 + 100 + 30 + 3);
  });

  it('--stop-nonessential stops and removes running containers; --volumes adds unused volumes', () => {
    const p = planClean(df, [], { volumes: true, stopNonessential: true });
    expect(p.stop.map((c) => c.name)).toEqual(['web']);
    expect(p.containers.map((c) => c.name)).toEqual(['old', 'web']);
    expect(p.unusedImages.map((i) => i.name)).toEqual(['app:1', 'nginx:1']);
    expect(p.volumes.map((v) => v.name)).toEqual(['orphan']);
  });

  it('matches service image references as Docker stores them', () => {
    expect(serviceImageRefs('docker.io/library/nginx:1.25@sha256:abc')).toContain('nginx:1.25');
    expect(serviceImageRefs('nginx')).toContain('nginx:latest');
    expect(serviceImageRefs('reg:5000/app@sha256:def')).toContain('reg:5000/app@sha256:def');
  });

  it('reads journalctl --disk-usage', () => {
    expect(parseJournalUsage('Archived and active journals take up 1.5G in the file system.')).toBe(
      1610612736,
    );
    expect(parseJournalUsage('Archived and active journals take up 0B in the file system.')).toBe(0);
    expect(parseJournalUsage('No journal files were found.')).toBeNull();
  });
});
