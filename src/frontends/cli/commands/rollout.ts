/**
 * `fleet rollout -- CMD`: a maintenance command through the rolling machinery of `fleet reboot`
 * (ops/shared/rolling.ts). The work is src/ops/rollout; the order rules are core/rolling-plan.ts.
 */
import { Option, type Command } from 'commander';
import { FleetError } from '../../../core/errors.js';
import { CLUSTER_LOCK_HELP } from '../cluster-lock-options.js';
import { addLockedRunOptions, runLockedCommand, type LockedRunCliOptions } from '../locked-run.js';
import { parseCount, SSH_OPTIONS_HELP } from '../ssh-options.js';
import { TARGET_OPTIONS_HELP } from '../target-options.js';

interface RolloutCliOptions extends LockedRunCliOptions {
  batch?: number;
  drain: boolean;
  continue?: boolean;
}

const ROLLOUT_HELP = `
Order (the same as fleet reboot):
  Swarm managers one at a time: each is drained, runs CMD, and must then list itself Ready and
  Reachable (which needs quorum) before it is activated and the next one starts. Then workers and
  hosts outside any swarm in batches (--batch N; default one at a time up to 10 of them, else
  10 % rounded down), each swarm node drained before and activated after (--no-drain skips both).
  A wave waits until every service runs all its tasks, and runs CMD once its nodes' tasks run
  elsewhere.
  A host fails when CMD exits non-zero, runs longer than --timeout, or the node is not Ready
  within --timeout after it. The rollout stops after the first wave with a failure (--continue goes
  on); a failed node stays drained (nothing is scheduled onto a half-maintained node) and is
  listed with the command that activates it.
  Ctrl-C stops after the current wave (its nodes finish and are activated); what is still drained
  is listed with the command that activates it (also in the report, ./reports/rollout-<time>.json,
  with each host's exit code and the last 4 KiB of its output).
${CLUSTER_LOCK_HELP}
${TARGET_OPTIONS_HELP}
${SSH_OPTIONS_HELP}

Exit codes:
  0    CMD succeeded on every host and every node is active again
  2    usage error
  4    CMD failed on a host (without --continue the rest were not touched; the report says which)
  9    locked: another fleet run holds the cluster lock
  130  interrupted after the current wave

Examples:
  fleet rollout --all --sudo -- 'apt-get update && apt-get upgrade -y'
  fleet rollout -n 'agx-[01-15]' --batch 3 -- 'systemctl restart nvargus-daemon'`;

export function register(program: Command): void {
  const cmd = program
    .command('rollout')
    .description('run a maintenance command one wave at a time, keeping swarm quorum')
    .argument('[command...]', 'the command to run on each host (put it after --)');
  addLockedRunOptions(
    cmd,
    {
      name: 'rollout',
      timeout: 'how long CMD may run on one host (and the node may take to be Ready)',
      timeoutDefault: 1800,
    },
    (c) =>
      c
        .addOption(
          new Option('--batch <n>', 'workers maintained at once').argParser(
            parseCount('--batch', { min: 1 }),
          ),
        )
        .option('--no-drain', 'do not drain swarm nodes before the command')
        .option('--continue', 'go on after a host failed'),
  )
    .addHelpText('after', ROLLOUT_HELP)
    .action(async (words: string[], opts: RolloutCliOptions, command: Command) => {
      process.exitCode = await rolloutAction(words, opts, command);
    });
}

async function rolloutAction(words: string[], cliOpts: RolloutCliOptions, cmd: Command): Promise<number> {
  const command = words.join(' ').trim();
  if (!command) {
    const { handleError } = await import('../handle-error.js');
    return handleError(
      new FleetError('usage', 'no command given', { hint: "fleet rollout -n HOSTS -- 'COMMAND'" }),
      false,
    );
  }
  return runLockedCommand(
    cliOpts,
    cmd,
    { command: 'rollout', onInterrupt: 'stopping after the current wave and writing the report', lock: true },
    async (rt, targets, opts) =>
      (await import('../../../ops/rollout/run.js')).run(
        {
          hosts: targets,
          command,
          batch: opts.batch,
          drain: opts.drain,
          continueOnError: opts.continue,
          timeoutMs: Math.round(opts.timeout * 1000),
          sudo: opts.sudo,
          reportPath: opts.report,
        },
        rt,
      ),
  );
}
