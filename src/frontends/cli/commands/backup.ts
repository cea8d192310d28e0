/**
 * `fleet backup`, `fleet backup ls`, `fleet backup rm ID`: flags → typed input for ops/backup, the
 * view, the JSON report on stdout and the exit code. The ops (and everything heavy) are imported inside
 * the actions so `fleet --help` stays fast.
 */
import { Option, type Command } from 'commander';
import { BACKUP_DEFAULTS, BACKUP_KINDS, parseBackupKinds } from '../../../core/backup-kinds.js';
import {
  addSshOptions,
  parseCount,
  parseSeconds,
  SSH_OPTIONS_HELP,
  type SshCliOptions,
} from '../ssh-options.js';
import { addWaitLockOption, CLUSTER_LOCK_HELP, type LockCliOptions } from '../cluster-lock-options.js';
import { addTargetOptions, TARGET_OPTIONS_HELP, type TargetCliOptions } from '../target-options.js';
import {
  addStoreOptions,
  openStoreFromOptions,
  runBackupCommand,
  STORE_HELP,
  type StoreCliOptions,
} from '../backup-options.js';
import { SCHEDULE_HELP } from '../backup-schedule-help.js';

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
const kindList = (value: string, previous: string[] = []): string[] =>
  parseBackupKinds([...previous, value]) ?? [];

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
  fleet backup ls ; fleet backup rm 20250131T235959Z
  fleet backup schedule --every 6h --keep 28      # a systemd timer on this machine (see: backup schedule --help)`;

async function backupAction(opts: BackupCliOptions, cmd: Command): Promise<number> {
  const store = await openStoreFromOptions(opts);
  const only = parseBackupKinds(opts.only);
  const explicitKinds = only !== undefined;
  const kinds = only ?? [...BACKUP_KINDS];
  const { runBackup } = await import('../../../ops/backup/run-backup.js');
  const { BUILD_INFO } = await import('../../../core/build-info.js');
  return runBackupCommand('backup', opts, cmd, store, { lock: !opts.dryRun }, (hosts, rt) =>
    runBackup(
      {
        hosts,
        store,
        kinds,
        explicitKinds,
        extraPaths: opts.path ?? [],
        volumes: opts.volume ?? [],
        allowDowntime: Boolean(opts.allowDowntime),
        gzip: opts.gzip,
        concurrency: opts.concurrency,
        keep: opts.keep,
        dryRun: Boolean(opts.dryRun),
        stopDeadlineS: opts.stopDeadline,
        sudo: Boolean(opts.sudo),
        waitTimeoutMs: Math.round(opts.waitTimeout * 1000),
        fleetVersion: BUILD_INFO.version,
        reportPath: opts.report,
      },
      rt,
    ),
  );
}

async function scheduleAction(opts: Record<string, unknown>, cmd: Command): Promise<number> {
  const { scheduleAction: action } = await import('../backup-schedule.js');
  return action(opts, cmd);
}

async function backupLsAction(opts: StoreCliOptions & { json?: boolean }): Promise<number> {
  const store = await openStoreFromOptions(opts);
  try {
    const { listBackupEntries } = await import('../../../ops/backup/list.js');
    const { backupListJson, renderBackupList } = await import('../../../views/backup-list.js');
    const entries = await listBackupEntries(store);
    process.stdout.write(
      opts.json ? backupListJson(store.location, entries) : renderBackupList(store.location, entries),
    );
    return 0;
  } finally {
    await store.close();
  }
}

async function backupRmAction(id: string, opts: StoreCliOptions): Promise<number> {
  const store = await openStoreFromOptions(opts);
  try {
    const { removeBackup } = await import('../../../ops/backup/remove.js');
    const { removedLine } = await import('../../../views/backup-list.js');
    process.stdout.write(removedLine(await removeBackup(store, id)));
    return 0;
  } finally {
    await store.close();
  }
}

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
        .default(BACKUP_DEFAULTS.stopDeadlineS),
    )
    .addOption(
      new Option('-c, --concurrency <n>', 'hosts streaming at once')
        .argParser(parseCount('--concurrency', { min: 1 }))
        .default(BACKUP_DEFAULTS.concurrency),
    )
    .addOption(
      new Option('--wait-timeout <seconds>', 'how long a restarted manager may take to be Reachable again')
        .argParser(parseSeconds('--wait-timeout'))
        .default(BACKUP_DEFAULTS.waitTimeoutS),
    )
    .option('--report <file>', 'write the JSON report here instead of ./reports/backup-<time>.json')
    .option('--json', 'print the JSON report on stdout instead of the human view')
    .addHelpText('after', BACKUP_HELP)
    .addHelpText('after', CLUSTER_LOCK_HELP)
    .action(async (opts: BackupCliOptions, cmd: Command) => {
      process.exitCode = await backupAction(opts, cmd);
    });

  // The parent parses its options wherever they appear (commander's default), so `backup ls --to X`
  // lands in backup's options: the subcommands read the store flags from there.
  backup
    .command('schedule')
    .description('run this same fleet backup on a systemd timer on this machine; --list, --remove')
    .option(
      '--every <interval>',
      'how often: 30m, 1h, 6h, 1d (fixed wall-clock times when it divides the day)',
    )
    .option('--list', 'show the installed schedules')
    .option('--remove', 'disable and delete the schedule')
    .option('--name <name>', 'several schedules side by side: units fleet-backup-NAME.*')
    .option('--unit-dir <dir>', 'where the unit files go (default /etc/systemd/system)')
    .option(
      '--env-file <file>',
      'the environment file with S3 keys the service reads (default /etc/fleet/backup.env)',
    )
    .addHelpText('after', SCHEDULE_HELP)
    .action(async (opts: Record<string, unknown>, cmd: Command) => {
      process.exitCode = await scheduleAction(opts, cmd);
    });
  backup
    .command('ls')
    .description('list backups: complete, incomplete (no manifest) or damaged')
    .addHelpText('after', '\nTakes the storage flags of `fleet backup` (--to, --s3-*, -f) and --json.')
    .action(async (_opts: unknown, cmd: Command) => {
      process.exitCode = await backupLsAction(cmd.parent!.opts<BackupCliOptions>());
    });
  backup
    .command('rm')
    .description('delete one backup (its manifest first)')
    .argument('<id>', 'backup id from `fleet backup ls`')
    .addHelpText('after', '\nTakes the storage flags of `fleet backup` (--to, --s3-*, -f).')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      process.exitCode = await backupRmAction(id, cmd.parent!.opts<BackupCliOptions>());
    });
}
