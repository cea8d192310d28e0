/**
 * `fleet bootstrap`: prepare hosts for `fleet up` (Docker engine, daemon.json, the NVIDIA default
 * runtime on GPU nodes, the swarm's ports). The work is src/ops/bootstrap; the plan is
 * core/bootstrap-plan.ts and core/daemon-json.ts.
 */
import { Option, type Command } from 'commander';
import { addWaitLockOption, CLUSTER_LOCK_HELP, type LockCliOptions } from '../cluster-lock-options.js';
import {
  addSshOptions,
  parseCount,
  parseSeconds,
  SSH_OPTIONS_HELP,
  type SshCliOptions,
} from '../ssh-options.js';
import { addTargetOptions, TARGET_OPTIONS_HELP, type TargetCliOptions } from '../target-options.js';

interface BootstrapCliOptions extends SshCliOptions, TargetCliOptions, LockCliOptions {
  concurrency: number;
  dryRun?: boolean;
  authorizeKey?: boolean;
  packages?: string;
  dockerGroup?: boolean;
  portCheck: boolean;
  timeout: number;
  report?: string;
  json?: boolean;
}

const BOOTSTRAP_HELP = `
What it does on each host (idempotent: a host already as wanted is left alone, a re-run changes
nothing; --dry-run prints per host what would change, including the daemon.json diff):
  --authorize-key  log in once with the password (FLEET_SSH_PASSWORD, or asked on a terminal) and
                   append your public key (-i FILE's FILE.pub, else ~/.ssh/id_ed25519.pub,
                   id_ecdsa.pub, id_rsa.pub) to ~/.ssh/authorized_keys, like ssh-copy-id
  Docker engine    when missing: apt-get install docker.io through sudo (Ubuntu, Debian, JetPack),
                   or with --packages DIR the .deb files in DIR, pushed to /var/cache/fleet/packages
                   and installed with apt-get --no-download (air-gapped hosts: DIR must hold every
                   package the host lacks); then enabled and started
  daemon.json      /etc/docker/daemon.json merged, never overwritten: your keys kept, the old file
                   kept beside it (daemon.json.fleet-backup-<time>); fleet adds json-file log
                   rotation (log-opts max-size 10m, max-file 3, unless set), default-runtime nvidia
                   (and runtimes.nvidia) where nvidia-container-runtime is installed and the node
                   has a GPU, and removes live-restore (dockerd refuses swarm mode with it)
  restart          when daemon.json changed under a running engine: a swarm member is drained,
                   restarted, waited for until Ready (a manager also Reachable), activated again;
                   one host at a time, managers first, so two managers are never down at once
  verify           docker info's default runtime; on GPU nodes a container with the NVIDIA runtime
                   when a CUDA/L4T image is already on the node (fleet pulls none; else a note)
  ports            2377/tcp to the managers (nodes.yml role: manager; every host when none is
                   pinned), 7946/tcp+udp and 4789/udp between all hosts, with a listener on the far
                   side; UDP counts only when a datagram is answered, else "udp not verified"
Commands that change a host run through sudo when the login is not root (FLEET_SUDO_PASSWORD, the
login password, or asked). Docker CE from Docker's own repository needs the internet: install it
yourself; fleet then only configures it.
${CLUSTER_LOCK_HELP}
${TARGET_OPTIONS_HELP}
${SSH_OPTIONS_HELP}

Exit codes:
  0    every host is ready (or, with --dry-run, the plan was printed)
  2    usage error (no .deb in --packages, no public key for --authorize-key)
  4    partial: a host failed (named, with why), or a swarm port is blocked between two hosts
  5    refused: restarting a manager's Docker would lose quorum
  9    locked: another fleet run holds the cluster lock
  130  interrupted

Examples:
  FLEET_SSH_PASSWORD=… fleet bootstrap -n 'agx-[01-15]' --authorize-key --user nvidia
  fleet bootstrap --all --dry-run
  fleet bootstrap -n pi-01 --packages ./debs/ --docker-group`;

export function register(program: Command): void {
  const cmd = program
    .command('bootstrap')
    .description('install and configure Docker on hosts so fleet up can form the swarm');
  addTargetOptions(cmd);
  addSshOptions(cmd);
  addWaitLockOption(cmd)
    .option('--dry-run', 'print per host what would change, change nothing')
    .option('--authorize-key', 'log in with the password once and install your public key')
    .option('--packages <dir>', 'install Docker from the .deb files in DIR instead of apt')
    .option('--docker-group', 'add the login user to the docker group')
    .option('--no-port-check', 'skip the swarm port check between the hosts')
    .addOption(
      new Option('-c, --concurrency <n>', 'hosts worked on at once')
        .argParser(parseCount('--concurrency', { min: 1 }))
        .env('FLEET_MAX_JOBS')
        .default(32),
    )
    .addOption(
      new Option('--timeout <seconds>', 'how long a restarted engine may take to be Ready again')
        .argParser(parseSeconds('--timeout'))
        .default(120),
    )
    .option('--report <file>', 'write the JSON report here instead of ./reports/bootstrap-<time>.json')
    .option('--json', 'print the JSON report on stdout instead of the human view')
    .addHelpText('after', BOOTSTRAP_HELP)
    .action(async (opts: BootstrapCliOptions, command: Command) => {
      process.exitCode = await bootstrapAction(opts, command);
    });
}

async function bootstrapAction(cliOpts: BootstrapCliOptions, cmd: Command): Promise<number> {
  const [{ run }, { runWithCli }, { cliTargets }, { handleError }, files] = await Promise.all([
    import('../../../ops/bootstrap/run.js'),
    import('../run-command.js'),
    import('../targets.js'),
    import('../handle-error.js'),
    import('../../../adapters/report-files.js'),
  ]);
  const { targets, opts, resolved } = await cliTargets(cliOpts, cmd);
  // Every change needs root: sudo for non-root logins, whether or not --sudo was given.
  const ssh = { ...opts, sudo: true };
  const { result, error } = await runWithCli(
    ssh,
    targets,
    {
      json: opts.json,
      warnings: resolved.warnings,
      onInterrupt: 'stopping and writing the report',
      lock: opts.dryRun ? undefined : { command: 'bootstrap', opts: ssh },
    },
    (rt) =>
      run(
        {
          hosts: targets,
          managers: targets.filter((t) => t.role === 'manager').map((t) => t.id),
          dryRun: Boolean(opts.dryRun),
          authorizeKey: Boolean(opts.authorizeKey),
          packagesDir: opts.packages,
          dockerGroup: Boolean(opts.dockerGroup),
          checkPorts: opts.portCheck,
          concurrency: opts.concurrency,
          timeoutMs: Math.round(opts.timeout * 1000),
          reportPath: opts.report,
        },
        rt,
      ),
  );
  if (opts.json) process.stdout.write(files.serializeReport(result));
  return error ? handleError(error, false) : 0;
}
