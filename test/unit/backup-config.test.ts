import { describe, expect, it } from 'vitest';
import { describeTarget, resolveStoreTarget } from '../../src/adapters/s3/config.js';
import { FleetError } from '../../src/core/errors.js';

describe('resolveStoreTarget', () => {
  it('defaults to ./backups', () => {
    expect(resolveStoreTarget({}, {})).toEqual({ kind: 'local', path: './backups' });
  });

  it('parses s3://bucket/prefix and prefers flags over env over nodes.yml defaults', () => {
    const target = resolveStoreTarget(
      { to: 's3://fleet-backups/spark/', s3Endpoint: 'http://10.0.0.5:9000' },
      { FLEET_S3_ENDPOINT: 'http://ignored:9000', AWS_REGION: 'eu-west-1' },
      { s3: { endpoint: 'http://also-ignored', region: 'us-west-2', forcePathStyle: false } },
    );
    expect(target).toEqual({
      kind: 's3',
      s3: {
        bucket: 'fleet-backups',
        prefix: 'spark',
        endpoint: 'http://10.0.0.5:9000',
        region: 'eu-west-1',
        forcePathStyle: false,
      },
    });
  });

  it('takes the target and S3 settings from nodes.yml when nothing else sets them', () => {
    const target = resolveStoreTarget(
      {},
      {},
      { to: 's3://fleet-configs', s3: { endpoint: 'http://spark:9000' } },
    );
    expect(target).toEqual({
      kind: 's3',
      s3: {
        bucket: 'fleet-configs',
        prefix: '',
        endpoint: 'http://spark:9000',
        region: 'us-east-1',
        forcePathStyle: true,
      },
    });
  });

  it('reads FLEET_S3_FORCE_PATH_STYLE and rejects non-booleans', () => {
    const t = resolveStoreTarget(
      { to: 's3://b-1/x' },
      { FLEET_S3_FORCE_PATH_STYLE: 'false', FLEET_S3_ENDPOINT: 'http://m:9000' },
    );
    expect(t.kind === 's3' && t.s3.forcePathStyle).toBe(false);
    expect(() => resolveStoreTarget({ to: 's3://b-1' }, { FLEET_S3_FORCE_PATH_STYLE: 'maybe' })).toThrow(
      /FLEET_S3_FORCE_PATH_STYLE=maybe/,
    );
  });

  it('refuses credentials inside the endpoint URL without echoing them', () => {
    let err: unknown;
    try {
      resolveStoreTarget({ to: 's3://bucket', s3Endpoint: 'http://AKIAXX:supersecret@minio:9000' }, {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FleetError);
    expect((err as FleetError).code).toBe('usage');
    expect((err as FleetError).message).not.toContain('supersecret');
  });

  it('rejects bad bucket names and unknown schemes', () => {
    expect(() => resolveStoreTarget({ to: 's3://UPPER' }, {})).toThrow(/bucket name/);
    expect(() => resolveStoreTarget({ to: 'gs://bucket' }, {})).toThrow(/not supported/);
  });

  it('describes targets without secrets', () => {
    expect(describeTarget(resolveStoreTarget({ to: 's3://fleet-backups/a/b' }, {}))).toBe(
      's3://fleet-backups/a/b',
    );
    expect(describeTarget(resolveStoreTarget({ to: '/srv/backups' }, {}))).toBe('/srv/backups');
  });
});
