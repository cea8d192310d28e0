/**
 * Where backups live, from a typed input: flags > environment > nodes.yml `defaults.backup` >
 * ./backups (adapters/s3/config.ts resolveStoreTarget). The front end passes the environment and the
 * inventory's defaults, so the op reads neither process.env nor nodes.yml itself.
 */
import {
  openStore,
  resolveStoreTarget,
  type BackupDefaults,
  type BackupStore,
} from '../../adapters/s3/index.js';
import type { Env } from '../../core/config.js';

export interface StoreInput {
  to?: string;
  s3Endpoint?: string;
  s3Region?: string;
  s3PathStyle?: boolean;
  /** The environment (FLEET_BACKUP_TO, FLEET_S3_*, AWS_REGION); the CLI passes process.env. */
  env: Env;
  /** nodes.yml defaults.backup (target as `to`). */
  defaults?: BackupDefaults;
}

export async function openBackupStore(input: StoreInput): Promise<BackupStore> {
  const target = resolveStoreTarget(
    { to: input.to, s3Endpoint: input.s3Endpoint, s3Region: input.s3Region, s3PathStyle: input.s3PathStyle },
    input.env,
    input.defaults ?? {},
  );
  return openStore(target);
}
