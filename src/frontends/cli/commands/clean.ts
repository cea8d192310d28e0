/**
 * `fleet clean`: what Docker (and the journal, and fleet's old temp files) hold that can go, per
 * host; removed only with --yes (src/ops/clean). Imports inside the action keep `fleet --help` fast.
 */
import { Option, type Command } from 'commander';
import { addSshOptions, parseCount, SSH_OPTIONS_HELP, type SshCliOptions } from '../ssh-options.js';
import { addTargetOptions, TARGET_OPTIONS_HELP, type TargetCliOptions } from '../target-options.js';

interface CleanCliOptions extends SshCliOptions, TargetCliOptions {
  yes?: boolean;
  volumes?: boolean;
  journalSize?: string;
  stopNonessential?: boolean;
  concurrency: number;
  report?: string;
  json?: boolean;
}

const CLEAN_HELP = `
What counts (docker system df, through the Engine API over SSH):
  stopped containers; dangling images (no tag) and unused images (no container uses them); the
  build cache not in use; volumes no container uses only with --volumes; the journal's size; fleet's
  own temp files older than a day (/tmp/fleet-*, /var/tmp/fleet-*: a crashed backup job's archive).
Never removed: containers labelled fleet.essential=true (and their images), images a swarm service
names (read through a manager; when none answers every tagged image is kept). Without --yes nothing
is removed. --stop-nonessential first stops running containers without that label (what the old
cleanup script did to every container). fleet never truncates system logs or empties /tmp; with
--journal-size it runs journalctl --vacuum-size. The space reclaimed is measured (df before and
after) per host and in total; the report (./reports/clean-<time>.json) has every item.
${TARGET_OPTIONS_HELP}
${SSH_OPTIONS_HELP}
Exit codes: 0 ok, 2 usage, 4 some hosts failed, 130 interrupted.

Examples:
  fleet clean --all                       # what could go, per host
  fleet clean -n 'agx-[01-15]' --yes --journal-size 500M`;

export function register(program: Command): void {
  const cmd = program
    .command('clean')
    .description('reclaim disk: stopped containers, unused images, build cache, journal');
  addTargetOptions(cmd);
  addSshOptions(cmd);
  cmd
    .option('--yes', 'remove what is listed (without it nothing changes)')
    .option('--volumes', 'also volumes no container uses')
    .option('--journal-size <size>', 'vacuum the journal to this size (journalctl --vacuum-size, e.g. 500M)')
    .option('--stop-nonessential', 'first stop running containers not labelled fleet.essential=true')
    .addOption(
      new Option('-c, --concurrency <n>', 'hosts at once')
        .env('FLEET_MAX_JOBS')
        .argParser(parseCount('--concurrency', { min: 1 }))
        .default(16),
    )
    .option('--report <file>', 'write the JSON report here instead of ./reports/clean-<time>.json')
    .option('--json', 'print the JSON report on stdout instead of the table')
    .addHelpText('after', CLEAN_HELP)
    .action(async (opts: CleanCliOptions, command: Command) => {
      process.exitCode = await cleanAction(opts, command);
    });
}

async function cleanAction(cliOpts: CleanCliOptions, cmd: Command): Promise<number> {
  const { FleetError } = await import('../../../core/errors.js');
  if (cliOpts.journalSize !== undefined && !/^\d+[KMGT]?$/.test(cliOpts.journalSize)) {
    throw new FleetError('usage', `--journal-size "${cliOpts.journalSize}" must be a size like 500M or 2G`);
  }
  const [{ run }, { runOnSelectedNodes }, view] = await Promise.all([
    import('../../../ops/clean/run.js'),
    import('../swarm-access.js'),
    import('../../../views/clean.js'),
  ]);
  return runOnSelectedNodes(
    cliOpts,
    cmd,
    { onInterrupt: 'stopping clean', render: view.renderClean },
    (rt, hosts, candidates, opts) =>
      run(
        {
          hosts,
          managers: candidates,
          apply: Boolean(opts.yes),
          volumes: Boolean(opts.volumes),
          stopNonessential: Boolean(opts.stopNonessential),
          journalSize: opts.journalSize,
          concurrency: opts.concurrency,
          reportPath: opts.report,
        },
        rt,
      ),
  );
}
