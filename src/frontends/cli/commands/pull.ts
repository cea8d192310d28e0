/**
 * `fleet pull REMOTE LOCALDIR`: a file or directory from many hosts into LOCALDIR/<host>/ (like
 * rpdcp), verified by sha256. Flags → typed input here; the work is src/ops/pull.
 */
import type { Command } from 'commander';
import { addTransferOptions, TRANSFER_HELP, type TransferCliOptions } from '../transfer-options.js';

export function register(program: Command): void {
  const pull = program
    .command('pull')
    .description('gather a file or directory from many hosts into LOCALDIR/<host>/')
    .argument('<remote>', 'absolute path of a file or directory on the hosts')
    .argument('<localdir>', 'local folder; each host gets LOCALDIR/<host>/<name>');
  addTransferOptions(pull)
    .addHelpText(
      'after',
      `${TRANSFER_HELP.replace('an interrupted push leaves the old file', 'an interrupted pull leaves the old local file')}

Examples:
  fleet pull --all /etc/nv_tegra_release ./releases/
  fleet pull -n 'agx-[01-15]' --sudo /var/log/syslog ./logs/`,
    )
    .action(async (remote: string, localDir: string, opts: TransferCliOptions, command: Command) => {
      process.exitCode = await pullAction(remote, localDir, opts, command);
    });
}

async function pullAction(
  remote: string,
  localDir: string,
  cliOpts: TransferCliOptions,
  cmd: Command,
): Promise<number> {
  const { FleetError } = await import('../../../core/errors.js');
  if (cliOpts.force && cliOpts.checksum)
    throw new FleetError('usage', '--force and --checksum contradict each other; pick one');
  const [{ run }, { runWithCli }, { cliTargets }, { transferExitCode }, files] = await Promise.all([
    import('../../../ops/pull/run.js'),
    import('../run-command.js'),
    import('../targets.js'),
    import('../../../core/transfer-report.js'),
    import('../../../adapters/report-files.js'),
  ]);
  const { targets, opts, resolved } = await cliTargets(cliOpts, cmd);
  const { result } = await runWithCli(
    opts,
    targets,
    {
      json: opts.json,
      warnings: resolved.warnings,
      onInterrupt: 'stopping the transfers and writing the report',
    },
    (rt) =>
      run(
        {
          remote,
          localDir,
          hosts: targets,
          concurrency: opts.concurrency,
          force: opts.force,
          sudo: opts.sudo,
          reportPath: opts.report,
        },
        rt,
      ),
  );
  if (opts.json) process.stdout.write(files.serializeReport(result));
  return transferExitCode(result);
}
