/**
 * `fleet bootstrap`: prepare hosts for `fleet up` (Docker engine, daemon.json, the NVIDIA default
 * runtime on GPU nodes, the swarm's ports). The work is src/ops/bootstrap; the plan is
 * core/bootstrap-plan.ts and core/daemon-json.ts.
 */
import { Option, type Command } from 'commander';
import { CLUSTER_LOCK_HELP } from '../cluster-lock-options.js';
import { addLockedRunOptions, runLockedCommand, type LockedRunCliOptions } from '../locked-run.js';
import { parseCount, SSH_OPTIONS_HELP } from '../ssh-options.js';
import { TARGET_OPTIONS_HELP } from '../target-options.js';

interface BootstrapCliOptions extends LockedRunCliOptions {
  concurrency: number;
  dryRun?: boolean;
  authorizeKey?: boolean;
  packages?: string;
  dockerGroup?: boolean;
  nfs?: string[];
  portCheck: boolean;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

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
  --nfs            SRC:REMOTE:LOCAL (repeatable): nfs-common when mount.nfs is missing, an
                   /etc/fstab entry with _netdev,nofail merged in (your lines kept, the old file
                   kept beside it; a mount point already mounted from elsewhere is refused), then
                   mounted and checked; fleet recovery install --wait-mount LOCAL waits for it
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
  2    usage error (no .deb in --packages, no public key for --authorize-key, a bad --nfs)
  4    partial: a host failed (named, with why), or a swarm port is blocked between two hosts
  5    refused: restarting a manager's Docker would lose quorum
  9    locked: another fleet run holds the cluster lock
  130  interrupted

Examples:
  FLEET_SSH_PASSWORD=… fleet bootstrap -n 'agx-[01-15]' --authorize-key --user nvidia
  fleet bootstrap --all --dry-run
  fleet bootstrap -n pi-01 --packages ./debs/ --docker-group
  fleet bootstrap -n 'agx-[01-15]' --nfs spark:/mnt/models:/mnt/spark-models`;

export function register(program: Command): void {
  const cmd = program
    .command('bootstrap')
    .description('install and configure Docker on hosts so fleet up can form the swarm');
  addLockedRunOptions(
    cmd,
    {
      name: 'bootstrap',
      timeout: 'how long a restarted engine may take to be Ready again',
      timeoutDefault: 120,
    },
    (c) =>
      c
        .option('--dry-run', 'print per host what would change, change nothing')
        .option('--authorize-key', 'log in with the password once and install your public key')
        .option('--packages <dir>', 'install Docker from the .deb files in DIR instead of apt')
        .option('--docker-group', 'add the login user to the docker group')
        .option(
          '--nfs <src:remote:local>',
          'mount SRC:REMOTE at LOCAL through /etc/fstab (_netdev,nofail); SRC a host of nodes.yml or an address (repeatable)',
          collect,
        )
        .option('--no-port-check', 'skip the swarm port check between the hosts')
        .addOption(
          new Option('-c, --concurrency <n>', 'hosts worked on at once')
            .argParser(parseCount('--concurrency', { min: 1 }))
            .env('FLEET_MAX_JOBS')
            .default(32),
        ),
  )
    .addHelpText('after', BOOTSTRAP_HELP)
    .action(async (opts: BootstrapCliOptions, command: Command) => {
      process.exitCode = await bootstrapAction(opts, command);
    });
}

async function bootstrapAction(cliOpts: BootstrapCliOptions, cmd: Command): Promise<number> {
  const { parseNfsSpec, checkNfsMounts } = await import('../../../core/nfs-mounts.js');
  // Refused before anything connects.
  const nfs = checkNfsMounts((cliOpts.nfs ?? []).map(parseNfsSpec));
  return runLockedCommand(
    cliOpts,
    cmd,
    {
      command: 'bootstrap',
      onInterrupt: 'stopping and writing the report',
      lock: !cliOpts.dryRun,
      sudo: true,
    },
    async (rt, targets, opts, resolved) =>
      (await import('../../../ops/bootstrap/run.js')).run(
        {
          hosts: targets,
          managers: targets.filter((t) => t.role === 'manager').map((t) => t.id),
          dryRun: Boolean(opts.dryRun),
          authorizeKey: Boolean(opts.authorizeKey),
          packagesDir: opts.packages,
          dockerGroup: Boolean(opts.dockerGroup),
          // A nodes.yml name as the server: its address, which the node can dial without DNS.
          nfs: nfs.map((m) => {
            const node = resolved.inventory?.nodes.find((n) => n.id === m.server || n.name === m.server);
            return node?.ip ? { ...m, server: node.ip } : m;
          }),
          checkPorts: opts.portCheck,
          concurrency: opts.concurrency,
          timeoutMs: Math.round(opts.timeout * 1000),
          reportPath: opts.report,
        },
        rt,
      ),
  );
}
