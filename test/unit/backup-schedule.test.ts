import { describe, expect, it } from 'vitest';
import {
  assertNoSecret,
  execArg,
  parseEvery,
  readSchedule,
  serviceUnit,
  timerSchedule,
  timerUnit,
  unitBaseName,
} from '../../src/core/backup-schedule.js';

describe('backup schedule', () => {
  it('turns --every into wall-clock calendars when it divides the hour or day, else an interval', () => {
    expect(timerSchedule(parseEvery('30m'))).toEqual(['OnCalendar=*-*-* *:00/30:00', 'Persistent=true']);
    expect(timerSchedule(parseEvery('6h'))).toEqual(['OnCalendar=*-*-* 00/6:00:00', 'Persistent=true']);
    expect(timerSchedule(parseEvery('1d'))).toEqual(['OnCalendar=*-*-* 00:00:00', 'Persistent=true']);
    expect(timerSchedule(parseEvery('5h'))).toEqual(['OnBootSec=15min', 'OnUnitActiveSec=5h']);
    expect(timerSchedule(parseEvery('45m'))).toEqual(['OnBootSec=15min', 'OnUnitActiveSec=45min']);
    expect(() => parseEvery('6')).toThrow(/--every "6" must be a number with m, h or d/);
    expect(() => parseEvery('10m')).toThrow(/too often/);
  });

  it('quotes ExecStart words for systemd', () => {
    expect(execArg('/usr/bin/node')).toBe('/usr/bin/node');
    expect(execArg('a b')).toBe('"a b"');
    expect(execArg('50%')).toBe('50%%');
    expect(execArg('$HOME')).toBe('"$$HOME"');
    expect(() => execArg('a\nb')).toThrow(/line break/);
  });

  it('writes a service that runs fleet backup with the given flags and reads it back', () => {
    const spec = {
      unitName: unitBaseName('nightly'),
      every: parseEvery('1d'),
      fleetCommand: ['/usr/bin/node', '/opt/fleet/bin/fleet.js'],
      backupArgs: ['--to', 's3://b/p', '--keep', '7'],
      workingDirectory: '/home/ops/cluster',
      user: 'ops',
      home: '/home/ops',
      envFile: '/etc/fleet/backup.env',
      environment: { AWS_PROFILE: 'backup' },
    };
    const service = serviceUnit(spec);
    expect(service).toContain(
      'ExecStart=/usr/bin/node /opt/fleet/bin/fleet.js backup --to s3://b/p --keep 7',
    );
    expect(service).toContain('User=ops');
    expect(service).toContain('Environment=AWS_PROFILE=backup');
    expect(service).toContain('EnvironmentFile=-/etc/fleet/backup.env');
    const timer = timerUnit(spec);
    expect(timer).toContain('Unit=fleet-backup-nightly.service');
    expect(readSchedule(spec.unitName, timer, service, true)).toEqual({
      unitName: 'fleet-backup-nightly',
      schedule: '*-*-* 00:00:00',
      command: '/usr/bin/node /opt/fleet/bin/fleet.js backup --to s3://b/p --keep 7',
      enabled: true,
    });
    expect(() => unitBaseName('Bad Name')).toThrow(/--name/);
  });

  it('refuses unit text holding a known secret or a swarm token', () => {
    expect(() => assertNoSecret('ExecStart=x --to /tmp/s3cr3t-value', ['s3cr3t-value'], 'u.service')).toThrow(
      /u\.service would contain a secret; nothing was written/,
    );
    const token = `SWMTKN-1-${'a'.repeat(50)}-${'b'.repeat(25)}`;
    expect(() => assertNoSecret(`x ${token}`, [], 'u.service')).toThrow(/secret/);
    expect(() => assertNoSecret('ExecStart=/usr/bin/fleet backup', ['other'], 'u.service')).not.toThrow();
  });
});
