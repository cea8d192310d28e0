import { describe, expect, it } from 'vitest';
import { planGeneratedFiles } from '../../src/core/generated-files.js';
import {
  checkWaitMount,
  mountUnitName,
  parseRecoveryStatus,
  recoveryConfigFile,
  recoveryUnit,
  recoveryVerdict,
} from '../../src/core/recovery.js';

const expected = { unit: 'a'.repeat(64), script: 'b'.repeat(64) };

describe('recovery unit and config', () => {
  it('orders the unit after the network, Docker and the wait-mounts (systemd-escape names)', () => {
    const unit = recoveryUnit({ waitMounts: ['/mnt/spark-models', '/srv/data'] });
    expect(unit).toContain('Wants=network-online.target');
    expect(unit).toContain(
      'After=network-online.target docker.service mnt-spark\\x2dmodels.mount srv-data.mount',
    );
    expect(unit).toContain('ExecStart=/bin/sh /usr/local/lib/fleet/recovery-boot.sh');
    expect(unit).toContain('WantedBy=multi-user.target');
  });

  it('escapes mount paths like systemd-escape --path --suffix=mount', () => {
    expect(mountUnitName('/')).toBe('-.mount');
    expect(mountUnitName('/mnt/models/')).toBe('mnt-models.mount');
    expect(mountUnitName('/mnt/.hidden')).toBe('mnt-\\x2ehidden.mount');
    expect(mountUnitName('/data/a@b+c')).toBe('data-a\\x40b\\x2bc.mount');
  });

  it('refuses wait-mount paths that are relative or need quoting', () => {
    expect(checkWaitMount('/mnt/models/')).toBe('/mnt/models');
    expect(() => checkWaitMount('mnt/models')).toThrow(/--wait-mount "mnt\/models" must be an absolute path/);
    expect(() => checkWaitMount('/mnt/$(reboot)')).toThrow(/--wait-mount/);
    expect(() => checkWaitMount('/mnt/../etc')).toThrow(/--wait-mount/);
  });

  it('writes the config with addresses and mounts only', () => {
    const text = recoveryConfigFile({
      managers: ['10.0.0.1', '10.0.0.2'],
      waitMounts: ['/mnt/m'],
      waitSeconds: 900,
      settleSeconds: 60,
      backoffMaxSeconds: 30,
    });
    expect(text).toContain('FLEET_MANAGERS="10.0.0.1 10.0.0.2"');
    expect(text).toContain('FLEET_WAIT_MOUNTS="/mnt/m"');
    expect(() =>
      recoveryConfigFile({
        managers: ['a;b'],
        waitMounts: [],
        waitSeconds: 1,
        settleSeconds: 1,
        backoffMaxSeconds: 1,
      }),
    ).toThrow(/not a plain address/);
  });
});

describe('recovery status', () => {
  it('reads an installed, enabled unit with its last boot', () => {
    const s = parseRecoveryStatus(
      [
        `unit-sha ${expected.unit}`,
        `script-sha ${expected.script}`,
        'conf-present yes',
        'enabled enabled',
        'swarm active',
        '--journal--',
        'fleet-recovery: boot 1234',
        'fleet-recovery: no manager answers on 2377 yet (10.0.0.1): waiting with back-off',
        'fleet-recovery: result: active swarm member after 24s',
        '',
      ].join('\n'),
      expected,
    );
    expect(s).toMatchObject({ installed: true, enabled: 'enabled', current: true, swarmState: 'active' });
    expect(s.lastBoot).toHaveLength(3);
    expect(s.result).toBe('active swarm member after 24s');
    expect(recoveryVerdict(s)).toBe('ok');
  });

  it('says not installed, outdated, disabled and left the swarm', () => {
    const none = parseRecoveryStatus(
      'unit-sha -\nscript-sha -\nenabled not-found\nswarm active\n--journal--\n-- No entries --\n',
      expected,
    );
    expect(none).toMatchObject({ installed: false, lastBoot: [], result: null });
    expect(recoveryVerdict(none)).toBe('not installed');
    const old = parseRecoveryStatus(
      `unit-sha ${'c'.repeat(64)}\nscript-sha ${expected.script}\nenabled enabled\nswarm active\n--journal--\n`,
      expected,
    );
    expect(recoveryVerdict(old)).toBe('outdated (run fleet recovery install again)');
    const off = parseRecoveryStatus(
      `unit-sha ${expected.unit}\nscript-sha ${expected.script}\nenabled disabled\nswarm active\n--journal--\n`,
      expected,
    );
    expect(recoveryVerdict(off)).toBe('installed, disabled');
    const left = parseRecoveryStatus(
      `unit-sha ${expected.unit}\nscript-sha ${expected.script}\nenabled enabled\nswarm inactive\n--journal--\n`,
      expected,
    );
    expect(recoveryVerdict(left)).toBe('left the swarm (fleet up re-joins it)');
  });
});

describe('generated files as a push plan', () => {
  it('carries the bytes and their sha256, files only, each to its own path', () => {
    const plan = planGeneratedFiles(
      [
        { path: '/etc/a.conf', content: 'x\n', mode: 0o644 },
        { path: '/usr/local/lib/fleet/b.sh', content: 'echo hi\n', mode: 0o755 },
      ],
      1700000000,
    );
    expect(plan.parent).toBe('/');
    expect(plan.files).toBe(2);
    expect(plan.bytes).toBe(10);
    expect(plan.entries.map((e) => [e.remote, e.type, e.mode])).toEqual([
      ['/etc/a.conf', 'file', 0o644],
      ['/usr/local/lib/fleet/b.sh', 'file', 0o755],
    ]);
    expect(plan.entries[0]!.sha256).toBe('73cb3858a687a8494ca3323053016282f3dad39d42cf62ca4e79dda2aac7d9ac');
    expect(plan.entries[0]!.content?.toString()).toBe('x\n');
    expect(() => planGeneratedFiles([{ path: 'rel/x', content: '', mode: 0o644 }], 0)).toThrow(
      /absolute path/,
    );
  });
});
