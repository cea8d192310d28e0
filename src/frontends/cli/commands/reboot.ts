/**
 * `fleet reboot`: a rolling reboot that keeps swarm quorum and service capacity. The work is
 * src/ops/reboot; the order rules are core/rolling-plan.ts, the engine ops/shared/rolling.ts.
 */
import { Option, type Command } from 'commander';
import { CLUSTER_LOCK_HELP } from '../cluster-lock-options.js';
import { addLockedRunOptions, runLockedCommand, type LockedRunCliOptions } from '../locked-run.js';
import { parseCount, SSH_OPTIONS_HELP } from '../ssh-options.js';
import { TARGET_OPTIONS_HELP } from '../target-options.js';

interface RebootCliOptions extends LockedRunCliOptions {
  batch?: number;
  drain: boolean;
  allAtOnce?: boolean;
  force?: boolean;
  continue?: boolean;
}

const REBOOT_HELP = `
Order (safe by default):
  Swarm managers one at a time: each is rebooted, then waited for until its boot id
  (/proc/sys/kernel/random/boot_id) changed and it lists itself Ready and Reachable, which needs
  quorum, before the next one. Then workers and hosts outside any swarm in batches (--batch N;
  default one at a time up to 10 of them, else 10 % rounded down). Swarm nodes are drained first
  and activated again once Ready (--no-drain skips both); a wave waits until every service runs
  all its tasks, and reboots only once its nodes' tasks run elsewhere. Stops at the first host that does not
  come back (--continue goes on). Reboots with "systemctl reboot || shutdown -r now", through
  sudo when the login is not root.
  --all-at-once reboots every selected host together (the old scripts' synchronized reboot); it is
  refused when the managers among them would take quorum away, unless --force.
  Ctrl-C stops after the current wave; nodes left drained are listed with the command that
  activates them (also in the report, ./reports/reboot-<time>.json).
${CLUSTER_LOCK_HELP}
${TARGET_OPTIONS_HELP}
${SSH_OPTIONS_HELP}

Exit codes:
  0    every host rebooted and came back
  2    usage error
  4    a host failed or did not come back within --timeout (without --continue the rest
       were not rebooted; the report says which)
  5    refused: --all-at-once would lose quorum
  9    locked: another fleet run holds the cluster lock
  130  interrupted after the current wave

Examples:
  fleet reboot --all
  fleet reboot -n 'agx-[01-15]' --batch 3
  fleet reboot -n 'agx-[01-15]' --all-at-once --no-drain`;

export function register(program: Command): void {
  const cmd = program.command('reboot').description('reboot hosts one wave at a time, keeping swarm quorum');
  addLockedRunOptions(
    cmd,
    { name: 'reboot', timeout: 'how long each host may take to come back', timeoutDefault: 600 },
    (c) =>
      c
        .addOption(
          new Option('--batch <n>', 'workers rebooted at once').argParser(parseCount('--batch', { min: 1 })),
        )
        .option('--no-drain', 'do not drain swarm nodes before their reboot')
        .option('--all-at-once', 'reboot every selected host at the same time')
        .option('--force', 'with --all-at-once: reboot even when managers would lose quorum')
        .option('--continue', 'go on after a host did not come back'),
  )
    .addHelpText('after', REBOOT_HELP)
    .action(async (opts: RebootCliOptions, command: Command) => {
      process.exitCode = await runLockedCommand(
        opts,
        command,
        {
          command: 'reboot',
          onInterrupt: 'stopping after the current wave and writing the report',
          lock: true,
        },
        async (rt, targets, o) =>
          (await import('../../../ops/reboot/run.js')).run(
            {
              hosts: targets,
              batch: o.batch,
              drain: o.drain,
              allAtOnce: o.allAtOnce,
              force: o.force,
              continueOnError: o.continue,
              timeoutMs: Math.round(o.timeout * 1000),
              sudo: o.sudo,
              reportPath: o.report,
            },
            rt,
          ),
      );
    });
}
