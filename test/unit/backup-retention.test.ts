import { describe, expect, it } from 'vitest';
import { parseKeep, selectForRetention } from '../../src/backup/retention.js';

describe('retention', () => {
  const backups = [
    { id: '20250101T000000Z', status: 'complete' as const },
    { id: '20250102T000000Z', status: 'incomplete' as const },
    { id: '20250103T000000Z', status: 'complete' as const },
    { id: '20250104T000000Z', status: 'complete' as const },
    { id: '20250105T000000Z', status: 'damaged' as const },
    { id: '20250106T000000Z', status: 'incomplete' as const },
  ];

  it('keeps the newest N complete backups and failures newer than the newest complete one', () => {
    const d = selectForRetention(backups, 2);
    expect(d.keep).toEqual(['20250106T000000Z', '20250105T000000Z', '20250104T000000Z', '20250103T000000Z']);
    expect(d.remove.map((r) => r.id)).toEqual(['20250102T000000Z', '20250101T000000Z']);
    expect(d.remove[0]!.reason).toContain('superseded by 20250104T000000Z');
  });

  it('deletes nothing when there is no complete backup', () => {
    const d = selectForRetention(
      backups.filter((b) => b.status !== 'complete'),
      1,
    );
    expect(d.remove).toEqual([]);
  });

  it('keeps everything when N covers every complete backup', () => {
    expect(selectForRetention(backups, 10).remove.map((r) => r.id)).toEqual(['20250102T000000Z']);
  });

  it('refuses --keep values below 1', () => {
    expect(() => parseKeep('0')).toThrow(/1 or more/);
    expect(() => parseKeep('two')).toThrow(/whole number/);
    expect(parseKeep('3')).toBe(3);
  });
});
