/**
 * `fleet wait`: until the selected hosts accept SSH (--ssh, default), their Docker engine answers
 * (--docker) or they are active swarm nodes (--swarm), up to --timeout. The work is src/ops/wait.
 */
import { Option, type Command } from 'commander';
import {
  addSshOptions,
  parseCount,
  parseSeconds,
  SSH_OPTIONS_HELP,
  type SshCliOptions,
} from '../ssh-options.js';
import { addTargetOptions, TARGET_OPTIONS_HELP, type TargetCliOptions } from '../target-options.js';

interface WaitCliOptions extends SshCliOptions, TargetCliOptions {
  ssh?: boolean;
  docker?: boolean;
  swarm?: boolean;
  timeout: number;
  concurrency: number;
  report?: string;
  json?: boolean;
}

const WAIT_HELP = `
What "back" means:
  --ssh     the host accepts SSH and runs a command (the default)
  --docker  its Docker engine answers over the SSH connection
  --swarm   its engine is an active swarm member; a manager must also list itself Ready and
            Reachable, which it can only do with quorum
  Each host is polled with backoff (0.2 s doubling to 2 s), each attempt with its own deadline,
  so a host whose link is cut cannot stall the others. No "sleep 30" needed after a reboot.
  Shows "✓ agx-01 - online (18s)", "⏳ agx-02 - waiting (42s)" and
  "[2/3] online | elapsed 42s | timeout in 4m18s". Writes ./reports/wait-<time>.json.
${TARGET_OPTIONS_HELP}
${SSH_OPTIONS_HELP}

Exit codes:
  0    every host is back
  3    timed out: the hosts still missing are named
  130  interrupted

Examples:
  fleet wait -n 'agx-[01-15]' --timeout 600
  fleet wait --all --swarm`;

export function register(program: Command): void {
  const cmd = program
    .command('wait')
    .description('wait until hosts accept SSH, run Docker, or are back in the swarm');
  addTargetOptions(cmd);
  addSshOptions(cmd);
  cmd
    .option('--ssh', 'wait for SSH (the default)')
    .option('--docker', 'wait for the Docker engine')
    .option('--swarm', 'wait for an active swarm node (managers: Ready and Reachable)')
    .addOption(
      new Option('--timeout <seconds>', 'give up after this long')
        .argParser(parseSeconds('--timeout'))
        .default(300),
    )
    .addOption(
      new Option('-c, --concurrency <n>', 'hosts polled at once')
        .env('FLEET_MAX_JOBS')
        .argParser(parseCount('--concurrency', { min: 1 }))
        .default(64),
    )
    .option('--report <file>', 'write the JSON report here instead of ./reports/wait-<time>.json')
    .option('--json', 'print the JSON report on stdout instead of the view')
    .addHelpText('after', WAIT_HELP)
    .action(async (opts: WaitCliOptions, command: Command) => {
      process.exitCode = await waitAction(opts, command);
    });
}

async function waitAction(cliOpts: WaitCliOptions, cmd: Command): Promise<number> {
  const { FleetError } = await import('../../../core/errors.js');
  const levels = (['ssh', 'docker', 'swarm'] as const).filter((l) => cliOpts[l]);
  if (levels.length > 1)
    throw new FleetError(
      'usage',
      `pick one of --ssh, --docker, --swarm (got ${levels.map((l) => `--${l}`).join(', ')})`,
    );
  const level = levels[0] ?? 'ssh';
  const [{ run }, { runWithCli }, { cliTargets }, { createWaitView }, { handleError }, files] =
    await Promise.all([
      import('../../../ops/wait/run.js'),
      import('../run-command.js'),
      import('../targets.js'),
      import('../../../views/wait.js'),
      import('../handle-error.js'),
      import('../../../adapters/report-files.js'),
    ]);
  const { targets, opts, resolved } = await cliTargets(cliOpts, cmd);
  const timeoutMs = Math.round(opts.timeout * 1000);
  const { result, error } = await runWithCli(
    opts,
    targets,
    { json: opts.json, view: false, warnings: [], onInterrupt: 'stopping the wait and writing the report' },
    async (rt) => {
      const view = opts.json
        ? undefined
        : createWaitView({
            bus: rt.bus,
            tty: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
            timeoutMs,
          });
      for (const warning of resolved.warnings) process.stderr.write(`warning: ${warning}\n`);
      try {
        return await run(
          { hosts: targets, level, timeoutMs, concurrency: opts.concurrency, reportPath: opts.report },
          rt,
        );
      } finally {
        await view?.close();
      }
    },
  );
  if (opts.json) process.stdout.write(files.serializeReport(result));
  return error ? handleError(error, false) : 0;
}
