/**
 * Where backups go, resolved with fleet's usual precedence: flags > environment > nodes.yml
 * `defaults.backup` > built-in (./backups). Pure: the environment and defaults are passed in.
 */
import { FleetError } from '../../core/errors.js';

export interface S3Settings {
  bucket: string;
  /** Folder inside the bucket, without leading/trailing '/'; '' for the bucket root. */
  prefix: string;
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
}

export type StoreTarget = { kind: 'local'; path: string } | { kind: 's3'; s3: S3Settings };

export interface StoreFlags {
  to?: string;
  s3Endpoint?: string;
  s3Region?: string;
  s3PathStyle?: boolean;
}

/** nodes.yml `defaults.backup`. */
export interface BackupDefaults {
  to?: string;
  s3?: { endpoint?: string; region?: string; forcePathStyle?: boolean };
}

export const DEFAULT_BACKUP_DIR = './backups';

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function resolveStoreTarget(
  flags: StoreFlags,
  env: Record<string, string | undefined>,
  defaults: BackupDefaults = {},
): StoreTarget {
  const to = flags.to ?? env.FLEET_BACKUP_TO ?? defaults.to ?? DEFAULT_BACKUP_DIR;
  if (!to.startsWith('s3://')) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(to)) {
      throw new FleetError('usage', `--to ${to.split('://')[0]}://… is not supported`, {
        hint: 'use s3://bucket/prefix or a local folder path',
      });
    }
    return { kind: 'local', path: to };
  }
  const rest = to.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const prefix = slash < 0 ? '' : rest.slice(slash + 1).replace(/^\/+|\/+$/g, '');
  if (!BUCKET.test(bucket)) {
    throw new FleetError('usage', `--to s3://${bucket}: not a valid bucket name`, {
      hint: '3-63 characters: lowercase letters, digits, dots and hyphens',
    });
  }
  const endpoint = flags.s3Endpoint ?? env.FLEET_S3_ENDPOINT ?? defaults.s3?.endpoint;
  if (endpoint !== undefined) checkEndpoint(endpoint);
  const region =
    flags.s3Region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? defaults.s3?.region ?? 'us-east-1';
  const pathStyleEnv = parseBool(env.FLEET_S3_FORCE_PATH_STYLE, 'FLEET_S3_FORCE_PATH_STYLE');
  // Self-hosted stores (MinIO) are usually addressed by IP, where virtual-host buckets cannot resolve.
  const forcePathStyle =
    flags.s3PathStyle ?? pathStyleEnv ?? defaults.s3?.forcePathStyle ?? endpoint !== undefined;
  return { kind: 's3', s3: { bucket, prefix, endpoint, region, forcePathStyle } };
}

function checkEndpoint(endpoint: string): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new FleetError('usage', `S3 endpoint ${JSON.stringify(endpoint)} is not a URL`, {
      hint: 'e.g. --s3-endpoint http://10.0.0.5:9000 (or FLEET_S3_ENDPOINT, or defaults.backup.s3.endpoint)',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FleetError('usage', `S3 endpoint must be http:// or https://, got ${url.protocol}`);
  }
  // The endpoint ends up in reports; a key pasted into it would leak. Do not echo it back either.
  if (url.username || url.password) {
    throw new FleetError('usage', 'the S3 endpoint URL must not contain credentials', {
      hint: 'put them in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or an AWS profile',
    });
  }
}

function parseBool(value: string | undefined, name: string): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new FleetError('usage', `${name}=${value} is not a boolean`, { hint: 'use true or false' });
}

/** For reports and messages: never includes credentials. */
export function describeTarget(target: StoreTarget): string {
  if (target.kind === 'local') return target.path;
  const { bucket, prefix } = target.s3;
  return `s3://${bucket}${prefix ? '/' + prefix : ''}`;
}
