import { describe, expect, it } from 'vitest';
import {
  describeScope,
  parseKeep,
  scopeOfKeys,
  selectForRetention,
  type RetentionInput,
} from '../../src/ops/backup/retention.js';

const FULL = ['path@agx-03', 'path@spark', 'swarm'];
const AGX03_PATHS = ['path@agx-03'];

describe('retention', () => {
  const backups: RetentionInput[] = [
    { id: '20250101T000000Z', status: 'complete', scope: FULL },
    { id: '20250102T000000Z', status: 'incomplete', scope: ['path@spark'] },
    { id: '20250103T000000Z', status: 'complete', scope: FULL },
    { id: '20250104T000000Z', status: 'complete', scope: FULL },
    { id: '20250105T000000Z', status: 'damaged', scope: FULL },
    { id: '20250106T000000Z', status: 'incomplete', scope: ['swarm'] },
  ];

  it('keeps the newest N complete backups of the scope and failures newer than the newest one', () => {
    const d = selectForRetention(backups, 2, FULL);
    expect(d.keep).toEqual(['20250106T000000Z', '20250105T000000Z', '20250104T000000Z', '20250103T000000Z']);
    expect(d.remove.map((r) => r.id)).toEqual(['20250102T000000Z', '20250101T000000Z']);
    expect(d.remove[0]!.reason).toContain('superseded by 20250104T000000Z');
    expect(d.remove[1]!.reason).toContain('of swarm state, paths of agx-03,spark');
  });

  it('deletes nothing when there is no complete backup', () => {
    const d = selectForRetention(
      backups.filter((b) => b.status !== 'complete'),
      1,
      FULL,
    );
    expect(d.remove).toEqual([]);
  });

  it('keeps everything when N covers every complete backup', () => {
    expect(selectForRetention(backups, 10, FULL).remove.map((r) => r.id)).toEqual(['20250102T000000Z']);
  });

  it('a paths-only backup of one host never deletes full swarm backups (issue 8 #15)', () => {
    const store: RetentionInput[] = [
      { id: '20250101T000000Z', status: 'complete', scope: FULL },
      { id: '20250102T000000Z', status: 'complete', scope: FULL },
      { id: '20250103T000000Z', status: 'complete', scope: FULL },
      { id: '20250104T000000Z', status: 'complete', scope: AGX03_PATHS },
      { id: '20250105T000000Z', status: 'complete', scope: AGX03_PATHS },
    ];
    const d = selectForRetention(store, 1, AGX03_PATHS);
    expect(d.remove.map((r) => r.id)).toEqual(['20250104T000000Z']);
    expect(d.keep).toContain('20250103T000000Z');
    expect(d.keep).toContain('20250101T000000Z');
  });

  it('paths of other hosts are another scope', () => {
    const store: RetentionInput[] = [
      { id: '20250101T000000Z', status: 'complete', scope: ['path@spark'] },
      { id: '20250102T000000Z', status: 'complete', scope: ['path@agx-03', 'path@spark'] },
      { id: '20250103T000000Z', status: 'complete', scope: ['path@agx-03'] },
    ];
    expect(selectForRetention(store, 1, ['path@agx-03']).remove).toEqual([]);
  });

  it('never deletes the last complete swarm backup, even when it is older than the N kept', () => {
    const store: RetentionInput[] = [
      { id: '20250101T000000Z', status: 'complete', scope: ['swarm'] },
      { id: '20250102T000000Z', status: 'complete', scope: ['swarm'] },
      { id: '20250103T000000Z', status: 'damaged', scope: ['swarm'] },
      { id: '20250104T000000Z', status: 'complete', scope: ['path@spark', 'swarm'] },
    ];
    // Scope swarm: 0102 is the newest complete of that scope and is kept anyway; 0101 goes.
    let d = selectForRetention(store, 1, ['swarm']);
    expect(d.remove.map((r) => r.id)).toEqual(['20250101T000000Z']);
    // The newest swarm-holding backup of another scope survives a keep of its own scope too.
    d = selectForRetention(store, 1, ['path@spark', 'swarm']);
    expect(d.keep).toEqual(['20250104T000000Z', '20250102T000000Z', '20250101T000000Z']);
    expect(d.remove.map((r) => r.id)).toEqual(['20250103T000000Z']);
  });

  it('an incomplete backup is superseded only when its objects lie within the scope', () => {
    const store: RetentionInput[] = [
      { id: '20250101T000000Z', status: 'incomplete', scope: ['path@agx-03', 'swarm'] },
      { id: '20250102T000000Z', status: 'incomplete', scope: ['path@agx-03'] },
      { id: '20250103T000000Z', status: 'complete', scope: ['path@agx-03'] },
    ];
    const d = selectForRetention(store, 1, ['path@agx-03']);
    expect(d.remove.map((r) => r.id)).toEqual(['20250102T000000Z']);
  });

  it('reads the scope from object keys', () => {
    expect(
      scopeOfKeys([
        '20250101T000000Z/manifest.json',
        '20250101T000000Z/agx-01/swarm.tar.gz',
        '20250101T000000Z/agx-01/swarm-unlock-key',
        '20250101T000000Z/agx-01/path-etc-fleet.tar.gz',
        '20250101T000000Z/spark/volume-appdata.tar',
      ]),
    ).toEqual(['path@agx-01', 'swarm', 'volume@spark']);
    expect(describeScope(['path@agx-01', 'swarm', 'volume@spark'])).toBe(
      'swarm state, paths of agx-01, volumes of spark',
    );
  });

  it('refuses --keep values below 1', () => {
    expect(() => parseKeep('0')).toThrow(/1 or more/);
    expect(() => parseKeep('two')).toThrow(/whole number/);
    expect(parseKeep('3')).toBe(3);
    expect(() => selectForRetention([], 0, [])).toThrow(/1 or more/);
  });
});
