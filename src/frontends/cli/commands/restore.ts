/** `fleet restore ID`: flags → ops/backup/run-restore.ts's typed input; the run is runBackupCommand's. */
import { Option, type Command } from 'commander';
import { BACKUP_DEFAULTS, parseBackupKinds } from '../../../core/backup-kinds.js';
import {
  addSshOptions,
  parseCount,
  parseSeconds,
  SSH_OPTIONS_HELP,
  type SshCliOptions,
} from '../ssh-options.js';
import { addWaitLockOption, CLUSTER_LOCK_HELP, type LockCliOptions } from '../cluster-lock-options.js';
import { addTargetOptions, type TargetCliOptions } from '../target-options.js';
import {
  addStoreOptions,
  openStoreFromOptions,
  runBackupCommand,
  STORE_HELP,
  type StoreCliOptions,
} from '../backup-options.js';

export interface RestoreCliOptions extends StoreCliOptions, TargetCliOptions, SshCliOptions, LockCliOptions {
  only?: string[];
  yes?: boolean;
  dryRun?: boolean;
  concurrency: number;
  waitTimeout: number;
  report?: string;
  json?: boolean;
}

const RESTORE_HELP = `
Order:
  1. every selected object is read back and its sha256 checked against the manifest; any mismatch
     stops the restore with exit 8 before a host is touched;
  2. what will change is listed and confirmed (a prompt on a terminal; --yes otherwise);
  3. the swarm state, by Docker's disaster-recovery procedure on one manager (-n HOST, default the
     manager it was taken from): stop Docker, replace /var/lib/docker/swarm (the old one is kept as
     swarm.before-restore-ID), start, unlock if needed, swarm init --force-new-cluster. Then run
     \`fleet up\` to re-join the other nodes. This is disaster recovery: it is refused (exit 5)
     while a manager among the hosts still has quorum. If it fails after the swap, the previous
     /var/lib/docker/swarm is put back and Docker started with it;
  4. paths and volumes, extracted in place on the host they came from (-n narrows the hosts).
  With --dry-run fleet stops after step 1 and lists what steps 3 and 4 would change (the same
  refusals apply); nothing is asked, changed or locked.
${STORE_HELP}
${SSH_OPTIONS_HELP}

Exit codes: 0 ok, 2 usage (or not confirmed), 3 unreachable, 4 partial, 5 the swarm still has
quorum (--only swarm refused), 6 Docker API, 7 storage, 8 integrity (a checksum did not match:
nothing was changed), 130 interrupted.

Examples:
  fleet restore 20250131T235959Z --only paths -n agx-03 --yes
  fleet restore 20250131T235959Z --only swarm -n spark --yes && fleet up`;

async function restoreAction(id: string, opts: RestoreCliOptions, cmd: Command): Promise<number> {
  const store = await openStoreFromOptions(opts);
  const only = parseBackupKinds(opts.only);
  const { hasSelection } = await import('../../../core/selectors.js');
  const selected =
    hasSelection({ nodes: opts.nodes, exclude: opts.exclude, role: opts.role }) ||
    (opts.exclude ?? []).length > 0;
  const { runRestore } = await import('../../../ops/backup/run-restore.js');
  // A dry run changes nothing, so it takes no cluster lock (as plan and up --dry-run).
  return runBackupCommand('restore', opts, cmd, store, { lock: !opts.dryRun }, (hosts, rt) =>
    runRestore(
      {
        id,
        store,
        hosts,
        selected,
        only,
        concurrency: opts.concurrency,
        sudo: Boolean(opts.sudo),
        waitTimeoutMs: Math.round(opts.waitTimeout * 1000),
        yes: Boolean(opts.yes),
        dryRun: Boolean(opts.dryRun),
        reportPath: opts.report,
      },
      rt,
    ),
  );
}

export function register(program: Command): void {
  const cmd = program
    .command('restore')
    .description('restore a backup: verify every checksum first, then swarm state, paths, volumes')
    .argument('<id>', 'backup id from `fleet backup ls`');
  addTargetOptions(cmd);
  addSshOptions(cmd);
  addStoreOptions(cmd);
  addWaitLockOption(cmd);
  cmd
    .option(
      '--only <kinds>',
      'only these: swarm, paths, volumes (comma-separated)',
      (value: string, previous: string[] = []) => parseBackupKinds([...previous, value]) ?? [],
    )
    .option('-y, --yes', 'do not ask for confirmation (required without a terminal)')
    .option('--dry-run', 'verify every checksum and list what would change; change nothing, ask nothing')
    .addOption(
      new Option('-c, --concurrency <n>', 'hosts restoring at once')
        .argParser(parseCount('--concurrency', { min: 1 }))
        .default(BACKUP_DEFAULTS.concurrency),
    )
    .addOption(
      new Option('--wait-timeout <seconds>', 'how long Docker may take to come back')
        .argParser(parseSeconds('--wait-timeout'))
        .default(BACKUP_DEFAULTS.waitTimeoutS),
    )
    .option('--report <file>', 'write the JSON report here instead of ./reports/restore-<time>.json')
    .option('--json', 'print the JSON report on stdout instead of the human view')
    .addHelpText('after', RESTORE_HELP)
    .addHelpText('after', CLUSTER_LOCK_HELP)
    .action(async (id: string, opts: RestoreCliOptions, cmd: Command) => {
      process.exitCode = await restoreAction(id, opts, cmd);
    });
}
