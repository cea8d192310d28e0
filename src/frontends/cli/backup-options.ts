/**
 * What `fleet backup` and `fleet restore` share on the command line: the storage flags (folder or S3)
 * and runBackupCommand, the body both commands run (hosts, session, cluster lock, operation, --json).
 */
import { Option, type Command } from 'commander';
import type { BackupStore } from '../../adapters/s3/types.js';
import type { HostTarget } from '../../core/host.js';
import type { StoreInput } from '../../ops/backup/store.js';
import type { BackupRunReport } from '../../ops/backup/report.js';
import type { OperationResult, Runtime } from '../../runtime/types.js';
import type { SshCliOptions } from './ssh-options.js';
import type { LockCliOptions } from './cluster-lock-options.js';
import type { TargetCliOptions } from './target-options.js';

export interface StoreCliOptions {
  inventory?: string;
  to?: string;
  s3Endpoint?: string;
  s3Region?: string;
  s3PathStyle?: boolean;
}

/** Where backups live: flags > FLEET_BACKUP_TO / FLEET_S3_* / AWS_REGION > nodes.yml defaults.backup. */
export function addStoreOptions(cmd: Command): Command {
  return cmd
    .option('--to <target>', 'a folder (default ./backups) or s3://bucket/prefix; env FLEET_BACKUP_TO')
    .option('--s3-endpoint <url>', 'S3-compatible endpoint, e.g. http://spark:9000 (env FLEET_S3_ENDPOINT)')
    .option('--s3-region <region>', 'S3 region (env AWS_REGION; default us-east-1)')
    .addOption(
      new Option(
        '--s3-path-style',
        'path-style bucket URLs (default with --s3-endpoint; env FLEET_S3_FORCE_PATH_STYLE)',
      ),
    )
    .addOption(new Option('--no-s3-path-style', 'virtual-host bucket URLs').hideHelp());
}

export const STORE_HELP = `
Storage:
  Default ./backups; --to s3://bucket/prefix for S3 or MinIO. Credentials come only from
  AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN) or AWS_PROFILE, never from flags
  or nodes.yml, and never appear in output or reports. nodes.yml may set defaults.backup.target and
  defaults.backup.s3 { endpoint, region, forcePathStyle }.`;

/**
 * The store flags plus the environment and nodes.yml defaults.backup, as ops/backup/store.ts takes them
 * (also `fleet ui`'s Backups panel).
 */
export async function storeInput(opts: StoreCliOptions): Promise<StoreInput> {
  const { loadInventory } = await import('../../runtime/targets.js');
  const { inventory } = await loadInventory(opts);
  const defaults = inventory?.defaults.backup;
  return {
    to: opts.to,
    s3Endpoint: opts.s3Endpoint,
    s3Region: opts.s3Region,
    s3PathStyle: opts.s3PathStyle,
    env: process.env,
    defaults: { to: defaults?.target, s3: defaults?.s3 },
  };
}

export async function openStoreFromOptions(opts: StoreCliOptions): Promise<BackupStore> {
  const { openBackupStore } = await import('../../ops/backup/store.js');
  return openBackupStore(await storeInput(opts));
}

export interface BackupCommandOptions {
  /** Take the cluster lock for the run (never for --dry-run, which changes nothing). */
  lock: boolean;
}

/**
 * The body both `fleet backup` and `fleet restore` share: hosts (every node by default, no nodes.yml
 * run defaults, as always), the session with its view and Ctrl-C handling, the cluster lock, the
 * operation, then the store closed, --json on stdout and the error rethrown for the exit code.
 */
export async function runBackupCommand(
  command: 'backup' | 'restore',
  opts: BackupRunCliOptions,
  cmd: Pick<Command, 'getOptionValueSource'>,
  store: BackupStore,
  how: BackupCommandOptions,
  op: (hosts: HostTarget[], rt: Runtime) => Promise<OperationResult<BackupRunReport>>,
): Promise<number> {
  let outcome: OperationResult<BackupRunReport>;
  try {
    const { cliTargets } = await import('./targets.js');
    const { targets, resolved } = await cliTargets(opts, cmd, {
      defaultToAll: true,
      inventoryDefaults: false,
    });
    const { runWithCli } = await import('./run-command.js');
    const cliRun = {
      json: opts.json,
      warnings: resolved.warnings,
      onInterrupt: 'stopping streams, restarting any stopped Docker, writing the report',
      lock: how.lock ? { command, opts } : undefined,
    };
    outcome = await runWithCli(opts, targets, cliRun, (rt) => op(targets, rt));
  } finally {
    await store.close().catch(() => undefined);
  }
  if (opts.json) {
    const { serializeReport } = await import('../../adapters/report-files.js');
    process.stdout.write(serializeReport(outcome.result));
  }
  if (outcome.error) throw outcome.error;
  return 0;
}

/** What runBackupCommand needs of backup's and restore's options. */
export type BackupRunCliOptions = StoreCliOptions &
  TargetCliOptions &
  SshCliOptions &
  LockCliOptions & { concurrency: number; json?: boolean };
