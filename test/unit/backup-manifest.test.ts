import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { judgeBackup, groupByBackup } from '../../src/ops/backup/catalog.js';
import {
  assignKeys,
  backupIdFor,
  buildManifest,
  parseManifest,
  selectRestoreItems,
  serializeManifest,
  timeOfId,
  uniqueBackupId,
  type ManifestItem,
} from '../../src/core/backup-manifest.js';
import { manifestSchema } from '../../src/core/backup-manifest-schema.js';
import { FleetError } from '../../src/core/errors.js';

const SHA = 'a'.repeat(64);
const item = (over: Partial<ManifestItem>): ManifestItem => ({
  host: 'agx-01',
  kind: 'path',
  source: '/etc/fleet',
  key: '20250131T235959Z/agx-01/path-etc-fleet.tar.gz',
  size: 10,
  sha256: SHA,
  compression: 'gzip',
  ...over,
});

const manifest = () =>
  buildManifest({
    id: '20250131T235959Z',
    startedAt: new Date('2025-01-31T23:59:59.500Z'),
    finishedAt: new Date('2025-02-01T00:00:09Z'),
    fleetVersion: '0.1.0',
    clusterId: 'cl1',
    dockerVersion: '20.10.21',
    swarm: { host: 'agx-02', nodeId: 'n2', managers: 3, autolock: false },
    items: [
      item({}),
      item({
        host: 'agx-02',
        kind: 'swarm',
        source: '/var/lib/docker/swarm',
        key: '20250131T235959Z/agx-02/swarm.tar.gz',
      }),
      item({
        host: 'agx-03',
        kind: 'volume',
        source: 'pgdata',
        key: '20250131T235959Z/agx-03/volume-pgdata.tar.gz',
      }),
    ],
  });

describe('backup ids', () => {
  it('are the UTC start time to the second, sortable, with a suffix on collision', () => {
    const at = new Date('2025-01-31T23:59:59.999Z');
    expect(backupIdFor(at)).toBe('20250131T235959Z');
    expect(uniqueBackupId(at, ['20250131T235959Z', '20250131T235959Z-2'])).toBe('20250131T235959Z-3');
    expect(timeOfId('20250131T235959Z-3')?.toISOString()).toBe('2025-01-31T23:59:59.000Z');
  });
});

describe('object keys', () => {
  it('are per host and unique even when two paths slug alike', () => {
    const keys = assignKeys(
      'X',
      [
        { host: 'agx-01', kind: 'path', source: '/etc/fleet' },
        { host: 'agx-01', kind: 'path', source: '/etc-fleet' },
        { host: 'user@10.0.0.1', kind: 'volume', source: 'pg.data' },
        { host: 'spark', kind: 'swarm', source: '/var/lib/docker/swarm' },
        { host: 'spark', kind: 'unlock-key', source: 'swarm' },
      ],
      'gzip',
    );
    expect(keys).toEqual([
      'X/agx-01/path-etc-fleet.tar.gz',
      'X/agx-01/path-etc-fleet-2.tar.gz',
      'X/user_10.0.0.1/volume-pg.data.tar.gz',
      'X/spark/swarm.tar.gz',
      'X/spark/swarm-unlock-key',
    ]);
    expect(assignKeys('X', [{ host: 'a', kind: 'path', source: '/srv' }], 'none')).toEqual([
      'X/a/path-srv.tar',
    ]);
  });
});

describe('manifest', () => {
  it('round-trips and sorts items by key', () => {
    const m = manifest();
    expect(m.items.map((i) => i.kind)).toEqual(['path', 'swarm', 'volume']);
    expect(parseManifest(serializeManifest(m), m.id)).toEqual(m);
  });

  it('rejects a manifest found under another id, or with keys outside its folder', () => {
    const m = manifest();
    expect(() => parseManifest(serializeManifest(m), '20250101T000000Z')).toThrow(
      /names backup 20250131T235959Z/,
    );
    const bad = { ...m, items: [item({ key: '20250101T000000Z/agx-01/x.tar.gz' })] };
    expect(() => parseManifest(JSON.stringify(bad), m.id)).toThrow(/outside the backup's folder/);
  });

  it('rejects invalid JSON and schema violations with an integrity error naming the field', () => {
    const err = (() => {
      try {
        parseManifest(
          JSON.stringify({ ...manifest(), items: [item({ sha256: 'nothex' })] }),
          '20250131T235959Z',
        );
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(FleetError);
    expect((err as FleetError).code).toBe('integrity');
    expect((err as FleetError).message).toContain('/items/0/sha256');
    expect(() => parseManifest('{', '20250131T235959Z')).toThrow(/not valid JSON/);
  });

  it('matches schema/backup-manifest.schema.json', () => {
    const file = JSON.parse(readFileSync('schema/backup-manifest.schema.json', 'utf8')) as unknown;
    expect(file).toEqual(JSON.parse(JSON.stringify(manifestSchema)));
  });

  it('selects restore items by kind and host; the swarm state ignores -n', () => {
    const m = manifest();
    expect(selectRestoreItems(m, { only: ['paths'] }).map((i) => i.host)).toEqual(['agx-01']);
    expect(selectRestoreItems(m, { hosts: ['agx-03'] }).map((i) => i.kind)).toEqual(['swarm', 'volume']);
  });
});

describe('catalog', () => {
  const objects = [
    { key: '20250131T235959Z/agx-01/path-etc-fleet.tar.gz', size: 10 },
    { key: '20250131T235959Z/agx-02/swarm.tar.gz', size: 10 },
    { key: '20250131T235959Z/agx-03/volume-pgdata.tar.gz', size: 10 },
    { key: '20250131T235959Z/manifest.json', size: 999 },
    { key: '20250201T000000Z/agx-01/path-etc-fleet.tar.gz', size: 5 },
    { key: 'notes.txt', size: 1 },
    { key: 'random/thing', size: 1 },
  ];

  it('groups objects by backup id and ignores foreign files', () => {
    expect([...groupByBackup(objects).keys()]).toEqual(['20250131T235959Z', '20250201T000000Z']);
  });

  it('judges complete, incomplete and damaged backups', () => {
    const groups = groupByBackup(objects);
    const text = serializeManifest(manifest());
    expect(judgeBackup('20250131T235959Z', groups.get('20250131T235959Z')!, text).status).toBe('complete');
    const incomplete = judgeBackup('20250201T000000Z', groups.get('20250201T000000Z')!, undefined);
    expect(incomplete.status).toBe('incomplete');
    expect(incomplete.problem).toMatch(/no manifest/);
    expect(incomplete.hosts).toEqual(['agx-01']);
    const missing = groups.get('20250131T235959Z')!.filter((o) => !o.key.includes('swarm'));
    const damaged = judgeBackup('20250131T235959Z', missing, text);
    expect(damaged.status).toBe('damaged');
    expect(damaged.problem).toContain('agx-02/swarm.tar.gz is missing');
    const short = groups
      .get('20250131T235959Z')!
      .map((o) => (o.key.includes('volume') ? { ...o, size: 9 } : o));
    expect(judgeBackup('20250131T235959Z', short, text).problem).toContain('has 9 bytes');
  });
});
