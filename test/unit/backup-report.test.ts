import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { buildBackupReport, failureKind } from '../../src/ops/backup/report.js';
import { pickError } from '../../src/ops/backup/run-backup.js';
import { FleetError } from '../../src/core/errors.js';

const ajv = new Ajv({ allErrors: true, strict: false });
(addFormats as unknown as (a: Ajv) => void)(ajv);
const validate = ajv.compile(JSON.parse(readFileSync('schema/backup-report.schema.json', 'utf8')));

describe('backup report', () => {
  it('counts hosts and matches schema/backup-report.schema.json', () => {
    const report = buildBackupReport({
      command: 'backup',
      startedAt: new Date('2025-01-31T23:59:59Z'),
      durationMs: 12_345,
      backupId: '20250131T235959Z',
      store: 's3://fleet-backups/lab',
      complete: false,
      manifestKey: null,
      clusterId: 'c1',
      swarm: { host: 'agx-02', node_id: 'n2', autolock: true, was_leader: false },
      hosts: [
        {
          id: 'agx-01',
          ip: '10.0.0.1',
          status: 'ok',
          items: 2,
          bytes: 300,
          duration_seconds: 1.5,
          error: null,
          failure: null,
        },
        {
          id: 'agx-02',
          ip: '10.0.0.2',
          status: 'failed',
          items: 0,
          bytes: 10,
          duration_seconds: 2,
          error: 'S3 upload failed',
          failure: null,
        },
      ],
      items: [
        {
          host: 'agx-02',
          kind: 'swarm',
          source: '/var/lib/docker/swarm',
          key: '20250131T235959Z/agx-02/swarm.tar.gz',
          status: 'failed',
          size: null,
          sha256: null,
          error: 'S3 upload failed',
        },
      ],
      notes: [],
      changes: [{ host: 'agx-02', description: 'stop Docker' }, { description: 'delete backup X' }],
      retention: null,
      interrupted: false,
      exitCode: 7,
      error: 'S3 upload failed',
    });
    expect(validate(report), ajv.errorsText(validate.errors)).toBe(true);
    expect(report).toMatchObject({
      total_devices: 2,
      successful: 1,
      failed: 1,
      success_rate: 50,
      duration_seconds: 12.345,
    });
    expect(report.changes[1]).toEqual({ host: null, description: 'delete backup X' });
  });

  it('picks the exit-code error: storage beats host failures; host failures alongside successes are partial', () => {
    const connect = new FleetError('connect', 'refused', { host: 'a' });
    const storage = new FleetError('storage', 'S3 down');
    expect(pickError([connect, storage], true)!.code).toBe('storage');
    expect(pickError([connect], true)!.code).toBe('partial');
    expect(pickError([connect], false)!.code).toBe('connect');
    expect(pickError([], true)).toBeUndefined();
    expect(failureKind('remote-exit')).toBe('exit');
    expect(failureKind('storage')).toBeNull();
  });
});
