/**
 * `fleet recovery install|status|remove`: the boot-recovery unit on the nodes (src/ops/recovery).
 * Imports inside the action keep `fleet --help` fast.
 */
import { Option, type Command } from 'commander';
import type { RecoveryReport } from '../../../ops/recovery/run.js';
import {
  addSshOptions,
  parseCount,
  parseSeconds,
  SSH_OPTIONS_HELP,
  type SshCliOptions,
} from '../ssh-options.js';
import { addTargetOptions, TARGET_OPTIONS_HELP, type TargetCliOptions } from '../target-options.js';

interface RecoveryCliOptions extends SshCliOptions, TargetCliOptions {
  waitMount?: string[];
  waitTimeout?: number;
  settleTimeout?: number;
  concurrency: number;
  report?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

const RECOVERY_HELP = `
What install puts on each node (through sudo, sha256-checked like fleet push; re-running changes
only what differs):
  /etc/systemd/system/fleet-recovery.service  oneshot, After=network-online.target docker.service
                                              and the --wait-mount mounts; enabled for multi-user
  /usr/local/lib/fleet/recovery-boot.sh       POSIX sh, run once per boot
  /etc/fleet/recovery.conf                    the managers' addresses and the mounts; no secrets
At each boot the script waits (back-off 1 s doubling to 30 s, up to --wait-timeout) for the mounts
and for a manager answering on 2377, makes sure Docker runs, then waits (--settle-timeout) for the
swarm state to be active. When Docker came up before the network and the node is stuck (pending or
error, or a manager that sees itself Down) it restarts Docker once. It never stores or fetches a join
token: a node that has left the swarm is only reported (here and in fleet status), and fleet up
re-joins it. status shows per node: installed (and current), enabled, the swarm state now, and the
unit's journal lines of this boot. remove disables the unit and deletes the three files.
${TARGET_OPTIONS_HELP}
${SSH_OPTIONS_HELP}
Exit codes: 0 ok, 2 usage, 3 a host unreachable, 4 some hosts failed, 130 interrupted.

Examples:
  fleet recovery install --all --wait-mount /mnt/spark-models
  fleet recovery status -n 'agx-[01-15]'
  fleet recovery remove -n agx-07`;

export function register(program: Command): void {
  const cmd = program
    .command('recovery')
    .description('boot recovery unit on the nodes: install, status, remove')
    .argument('<action>', 'install | status | remove');
  addTargetOptions(cmd);
  addSshOptions(cmd);
  cmd
    .option(
      '--wait-mount <path>',
      'install: wait for this mount before checking Docker (repeatable)',
      collect,
    )
    .addOption(
      new Option('--wait-timeout <seconds>', 'install: longest wait at boot for the mounts and a manager')
        .argParser(parseSeconds('--wait-timeout'))
        .default(900),
    )
    .addOption(
      new Option(
        '--settle-timeout <seconds>',
        'install: how long a stuck swarm state may last before Docker is restarted once',
      )
        .argParser(parseSeconds('--settle-timeout'))
        .default(60),
    )
    .addOption(
      new Option('-c, --concurrency <n>', 'hosts at once')
        .env('FLEET_MAX_JOBS')
        .argParser(parseCount('--concurrency', { min: 1 }))
        .default(32),
    )
    .option(
      '--report <file>',
      'write the JSON report here instead of ./reports/recovery-<action>-<time>.json',
    )
    .option('--json', 'print the JSON report on stdout instead of the table')
    .addHelpText('after', RECOVERY_HELP)
    .action(async (action: string, opts: RecoveryCliOptions, command: Command) => {
      process.exitCode = await recoveryAction(action, opts, command);
    });
}

async function recoveryAction(action: string, cliOpts: RecoveryCliOptions, cmd: Command): Promise<number> {
  const [{ FleetError }, { checkWaitMount }] = await Promise.all([
    import('../../../core/errors.js'),
    import('../../../core/recovery.js'),
  ]);
  if (action !== 'install' && action !== 'status' && action !== 'remove') {
    throw new FleetError('usage', `fleet recovery takes install, status or remove (got "${action}")`);
  }
  const waitMounts = (cliOpts.waitMount ?? []).map(checkWaitMount);
  if (waitMounts.length > 0 && action !== 'install') {
    throw new FleetError('usage', '--wait-mount goes with fleet recovery install');
  }
  const [{ run }, { runOnSelectedNodes }, view] = await Promise.all([
    import('../../../ops/recovery/run.js'),
    import('../swarm-access.js'),
    import('../../../views/recovery.js'),
  ]);
  return runOnSelectedNodes(
    cliOpts,
    cmd,
    {
      onInterrupt: `stopping recovery ${action}`,
      render: (r: RecoveryReport) => view.renderRecovery(r, { bootLines: action === 'status' }),
    },
    (rt, hosts, candidates, opts) =>
      run(
        {
          action,
          hosts,
          managers: candidates,
          waitMounts,
          timings: { waitSeconds: opts.waitTimeout, settleSeconds: opts.settleTimeout },
          concurrency: opts.concurrency,
          reportPath: opts.report,
        },
        rt,
      ),
  );
}
