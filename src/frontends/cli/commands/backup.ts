/**
 * `fleet backup`, `fleet backup ls`, `fleet backup rm ID`. Flags only; the work is in
 * src/backup/action.ts, imported inside the actions so `fleet --help` stays fast.
 */
import { Option, type Command } from 'commander';
import {
  addSshOptions,
  parseCount,
  parseSeconds,
  SSH_OPTIONS_HELP,
  type SshCliOptions,
} from '../ssh-options.js';
import { addWaitLockOption, CLUSTER_LOCK_HELP, type LockCliOptions } from '../cluster-lock-options.js';
import { addTargetOptions, TARGET_OPTIONS_HELP, type TargetCliOptions } from '../target-options.js';

export interface StoreCliOptions {
  inventory?: string;
  to?: string;
  s3Endpoint?: string;
  s3Region?: string;
  s3PathStyle?: boolean;
}

export interface BackupCliOptions extends StoreCliOptions, TargetCliOptions, SshCliOptions, LockCliOptions {
  path?: string[];
  volume?: string[];
  only?: string[];
  allowDowntime?: boolean;
  gzip: boolean;
  keep?: number;
  dryRun?: boolean;
  stopDeadline: number;
  concurrency: number;
  waitTimeout: number;
  report?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];
const kindList = (value: string, previous: string[] = []): string[] => {
  const out = [...previous];
  for (const kind of value
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean)) {
    if (!['swarm', 'paths', 'volumes'].includes(kind)) {
      throw new Error(`--only takes swarm, paths and volumes (comma-separated), got "${kind}"`);
    }
    out.push(kind);
  }
  return out;
};

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

const BACKUP_HELP = `
What is backed up:
  swarm    /var/lib/docker/swarm of one manager that is not the leader, by Docker's procedure:
           stop Docker there, archive, start Docker, wait until it is a Reachable manager again.
           Refused when that would lose quorum (e.g. a single manager) unless --allow-downtime.
           With autolock on, the unlock key is stored with the backup as its own object.
  paths    /etc/fleet (when present) plus every --path, on every selected host.
  volumes  every --volume NAME on the selected hosts where it exists.
  Each item is tar on the host streamed through SSH into the store, hashed (sha256) on the way;
  nothing is staged on disk. manifest.json is written last: a backup without one is incomplete.
${STORE_HELP}

  The swarm item runs as ONE job on the manager, detached from the SSH session: stop Docker, archive
  into a 0600 file in a 0700 temp folder, start Docker. It starts Docker again even if fleet is killed
  or the link drops, and when archiving takes longer than --stop-deadline; fleet then streams the
  archive into the store and removes it from the host. While Docker is stopped the job holds
  /run/lock/fleet/job.lock. Local backups are written 0600 in 0700 folders; S3 objects get no ACL
  (bucket-private).

Retention (--keep N, after a fully successful backup only):
  counts only backups of the same scope as this one (same kinds on the same hosts; the swarm state is
  one scope): keeps the newest N complete ones; failed/incomplete ones newer than the newest complete
  backup are kept (a run may be in progress, or someone is looking into it); older ones are deleted.
  The newest complete backup holding the swarm state is never deleted. With --dry-run nothing is
  backed up or deleted: fleet lists what it would archive and what --keep would delete.
${TARGET_OPTIONS_HELP}
${SSH_OPTIONS_HELP}

Exit codes: 0 ok, 2 usage, 3 unreachable, 4 partial (some hosts failed: no manifest), 5 quorum
refusal, 6 Docker API, 7 storage failed (no manifest), 130 interrupted.

Examples:
  fleet backup                                   # swarm + /etc/fleet of every node, into ./backups
  fleet backup --to s3://fleet-backups/lab --s3-endpoint http://spark:9000 --keep 7
  fleet backup -n agx-01..03 --only paths,volumes --path /opt/app/config --volume pgdata
  fleet backup ls ; fleet backup rm 20250131T235959Z`;

export function register(program: Command): void {
  const backup = program
    .command('backup')
    .description('back up swarm state, node paths and Docker volumes to a folder or S3');
  addTargetOptions(backup);
  addSshOptions(backup);
  addStoreOptions(backup);
  addWaitLockOption(backup);
  backup
    .option('--path <path>', 'also back up this absolute path on each host (repeatable)', collect)
    .option('--volume <name>', 'back up this named Docker volume where it exists (repeatable)', collect)
    .option('--only <kinds>', 'only these: swarm, paths, volumes (comma-separated)', kindList)
    .option(
      '--allow-downtime',
      'allow stopping the only reachable manager(s): the control plane goes down briefly',
    )
    .option('--no-gzip', 'store plain tar (for data that is already compressed)')
    .addOption(
      new Option('--keep <n>', 'after success, keep only the newest N complete backups').argParser(
        parseCount('--keep', { min: 1 }),
      ),
    )
    .option('--dry-run', 'observe and plan only: show what would be archived and deleted (--keep)')
    .addOption(
      new Option(
        '--stop-deadline <seconds>',
        'longest Docker stays stopped for the swarm archive; past it Docker is started without a backup',
      )
        .argParser(parseSeconds('--stop-deadline'))
        .default(300),
    )
    .addOption(
      new Option('-c, --concurrency <n>', 'hosts streaming at once')
        .argParser(parseCount('--concurrency', { min: 1 }))
        .default(4),
    )
    .addOption(
      new Option('--wait-timeout <seconds>', 'how long a restarted manager may take to be Reachable again')
        .argParser(parseSeconds('--wait-timeout'))
        .default(120),
    )
    .option('--report <file>', 'write the JSON report here instead of ./reports/backup-<time>.json')
    .option('--json', 'print the JSON report on stdout instead of the human view')
    .addHelpText('after', BACKUP_HELP)
    .addHelpText('after', CLUSTER_LOCK_HELP)
    .action(async (opts: BackupCliOptions) => {
      const { backupAction } = await import('../../../ops/backup/action.js');
      process.exitCode = await backupAction(opts);
    });

  // The parent parses its options wherever they appear (commander's default), so `backup ls --to X`
  // lands in backup's options: the subcommands read the store flags from there.
  backup
    .command('ls')
    .description('list backups: complete, incomplete (no manifest) or damaged')
    .addHelpText('after', '\nTakes the storage flags of `fleet backup` (--to, --s3-*, -f) and --json.')
    .action(async (_opts: unknown, cmd: Command) => {
      const { backupLsAction } = await import('../../../ops/backup/action.js');
      process.exitCode = await backupLsAction(cmd.parent!.opts<BackupCliOptions>());
    });
  backup
    .command('rm')
    .description('delete one backup (its manifest first)')
    .argument('<id>', 'backup id from `fleet backup ls`')
    .addHelpText('after', '\nTakes the storage flags of `fleet backup` (--to, --s3-*, -f).')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { backupRmAction } = await import('../../../ops/backup/action.js');
      process.exitCode = await backupRmAction(id, cmd.parent!.opts<BackupCliOptions>());
    });
}
