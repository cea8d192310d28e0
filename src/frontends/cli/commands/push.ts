/**
 * `fleet push SRC… DEST`: files and directories to many hosts over the pooled SSH connections,
 * verified by sha256. Flags → typed input here; the work is src/ops/push.
 */
import { availableParallelism } from 'node:os';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { addTransferOptions, TRANSFER_HELP, type TransferCliOptions } from '../transfer-options.js';

interface PushCliOptions extends TransferCliOptions {
  mkdir?: boolean;
  mode?: number;
  owner?: string;
}

function parseMode(value: string): number {
  if (!/^[0-7]{3,4}$/.test(value))
    throw new InvalidArgumentError(`--mode must be octal like 644 or 0755, got "${value}"`);
  return parseInt(value, 8);
}

function parseOwner(value: string): string {
  if (!/^[A-Za-z0-9._-]+(:[A-Za-z0-9._-]+)?$/.test(value)) {
    throw new InvalidArgumentError(`--owner must be USER or USER:GROUP, got "${value}"`);
  }
  return value;
}

export function register(program: Command): void {
  const push = program
    .command('push')
    .description('copy files and directories to many hosts, verified by sha256')
    .argument('<paths...>', 'SRC… DEST: local files or directories, then the absolute path on the hosts');
  addTransferOptions(push)
    .option('--mkdir', 'create DEST (or its parent, for a file DEST) when missing')
    .addOption(new Option('--mode <octal>', 'mode of every pushed file (e.g. 0644)').argParser(parseMode))
    .addOption(
      new Option(
        '--owner <user[:group]>',
        'owner of pushed files and new directories (with --sudo)',
      ).argParser(parseOwner),
    )
    .addHelpText(
      'after',
      `${TRANSFER_HELP}

Examples:
  fleet push -n 'agx-[01-15]' ./model.onnx /opt/models/
  fleet push --all --sudo --mkdir --owner root:root ./conf/ /etc/myapp/
  fleet push --all --force ./daemon.json /etc/docker/daemon.json --sudo

A push of 128 MiB or more in all spreads the hosts over one thread per core (up to 4), each with its
own SSH connections; FLEET_PUSH_THREADS=N sets the number of threads (1: the main thread only).`,
    )
    .action(async (paths: string[], opts: PushCliOptions, command: Command) => {
      process.exitCode = await pushAction(paths, opts, command);
    });
}

async function pushAction(paths: string[], cliOpts: PushCliOptions, cmd: Command): Promise<number> {
  const { FleetError } = await import('../../../core/errors.js');
  if (paths.length < 2) {
    throw new FleetError('usage', 'fleet push needs at least one SRC and a DEST', {
      hint: 'fleet push -n HOSTS ./file /opt/dir/',
    });
  }
  if (cliOpts.force && cliOpts.checksum)
    throw new FleetError('usage', '--force and --checksum contradict each other; pick one');
  if (cliOpts.owner && !cliOpts.sudo) {
    throw new FleetError('usage', '--owner needs --sudo (only root may give files away)', {
      hint: 'add --sudo',
    });
  }
  const [{ run }, { runWithCli }, { cliTargets }, { transferExitCode }, files, { parsePushThreads }] =
    await Promise.all([
      import('../../../ops/push/run.js'),
      import('../run-command.js'),
      import('../targets.js'),
      import('../../../core/transfer-report.js'),
      import('../../../adapters/report-files.js'),
      import('../../../core/push-threads.js'),
    ]);
  const threads = parsePushThreads(process.env.FLEET_PUSH_THREADS);
  const { targets, opts, resolved } = await cliTargets(cliOpts, cmd);
  const sources = paths.slice(0, -1);
  const dest = paths[paths.length - 1]!;
  const { result } = await runWithCli(
    opts,
    targets,
    {
      json: opts.json,
      warnings: resolved.warnings,
      onInterrupt: 'stopping the transfers (old files are kept) and writing the report',
    },
    (rt) =>
      run(
        {
          sources,
          dest,
          hosts: targets,
          concurrency: opts.concurrency,
          force: opts.force,
          mkdir: opts.mkdir,
          mode: opts.mode,
          owner: opts.owner,
          sudo: opts.sudo,
          reportPath: opts.report,
          cpus: availableParallelism(),
          threads,
        },
        rt,
      ),
  );
  if (opts.json) process.stdout.write(files.serializeReport(result));
  return transferExitCode(result);
}
