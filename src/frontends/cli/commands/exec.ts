/**
 * `fleet exec`: run one shell command on many hosts at once. This file parses flags and wires the
 * pieces; the run itself is src/ops/exec/run.ts, output goes through the views. Everything heavy (ssh2,
 * the live view) is imported inside the action so `fleet --help` stays fast.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { parseByteSize } from '../../../core/byte-size.js';
import { FleetError } from '../../../core/errors.js';
import { DEFAULT_MAX_OUTPUT } from '../../../core/output-capture.js';
import {
  parseCount,
  parseSeconds,
  addSshOptions,
  SSH_OPTIONS_HELP,
  type SshCliOptions,
} from '../ssh-options.js';
import { addTargetOptions, TARGET_OPTIONS_HELP, type TargetCliOptions } from '../target-options.js';

export interface ExecCliOptions extends SshCliOptions, TargetCliOptions {
  concurrency: number;
  timeout?: number;
  group?: boolean;
  outdir?: string;
  maxOutput: number;
  rerunFailed?: boolean | string;
  report?: string;
  json?: boolean;
}

const EXEC_HELP = `
Output:
  Each line a host prints is shown as "host: line" as it arrives (stderr lines on stderr).
  --group prints each distinct output once under its hosts: "agx-[01-15] (15)".
  Control characters (ESC, CR, BEL...) are shown escaped (\\e, \\r, \\a, \\x7f), so no host can move
  the cursor or forge another host's line; --outdir files keep the exact bytes. A line longer
  than 64 KiB is shown as several "host: ..." lines.
  Every run writes a JSON report (./reports/exec-<time>.json, or --report FILE), also on Ctrl-C,
  and reports/last-exec.json (the same without host output, for --rerun-failed); --json prints
  the report on stdout instead of the human view.
  The report keeps at most --max-output bytes (default 1M) of each host's stdout and of its stderr:
  the first and last halves, with "truncated" saying how much was cut and which --outdir file
  holds all of it. Everything is still shown as it arrives and written to --outdir.
${TARGET_OPTIONS_HELP}
${SSH_OPTIONS_HELP}

Environment:
  FLEET_MAX_JOBS (-c), FLEET_MAX_OUTPUT (--max-output), FLEET_SSH_TIMEOUT (--connect-timeout), FLEET_RETRY_COUNT (--retries),
  FLEET_RETRY_DELAY (--retry-delay), FLEET_SSH_PASSWORD, FLEET_SUDO_PASSWORD, NO_COLOR.

Exit codes:
  0    the command succeeded on every host
  1    the command exited non-zero (or was killed by a signal) on some host
  2    usage or input error (flags, nodes.yml, unknown hosts)
  3    some host was unreachable, refused auth, had a bad host key, or timed out
       (3 wins over 1 when both happen)
  130  interrupted (Ctrl-C): remote commands are killed, the report marks unfinished hosts

Examples:
  fleet exec -n 'agx-[01-15]' -- nvidia-smi -L
  fleet exec --all --group -- 'cat /etc/os-release | head -1'
  fleet exec -n agx-01..15 --timeout 30 --outdir out/ -- journalctl -u docker --since -1h
  fleet exec --rerun-failed`;

function parseMaxOutput(value: string): number {
  const bytes = parseByteSize(value);
  if (bytes === undefined)
    throw new InvalidArgumentError(
      `--max-output must be a size like 1048576, 512K, 4M or 1G, got "${value}"`,
    );
  return bytes;
}

export function register(program: Command): void {
  const cmd = program
    .command('exec')
    .description('run a shell command on many hosts at once')
    .argument('[command...]', 'the command to run (quote it, or put it after --)');
  addTargetOptions(cmd);
  addSshOptions(cmd);
  cmd
    .addOption(
      new Option('-c, --concurrency <n>', 'hosts running at once')
        .env('FLEET_MAX_JOBS')
        .argParser(parseCount('--concurrency', { min: 1 }))
        .default(32),
    )
    .addOption(
      new Option(
        '--timeout <seconds>',
        'command timeout; kills the remote command when it expires',
      ).argParser(parseSeconds('--timeout')),
    )
    .option('--group', 'fold hosts with identical output and exit code; print each output once')
    .option('--outdir <dir>', 'write each host output to DIR/<host>.out and DIR/<host>.err')
    .addOption(
      new Option('--max-output <size>', 'output kept per host and stream in the report and --group (e.g. 4M)')
        .env('FLEET_MAX_OUTPUT')
        .argParser(parseMaxOutput)
        .default(DEFAULT_MAX_OUTPUT, '1M'),
    )
    .option('--rerun-failed [report]', 'target the hosts that did not succeed in the last report (or REPORT)')
    .option('--report <file>', 'write the JSON report here instead of ./reports/exec-<time>.json')
    .option('--json', 'print the JSON report on stdout instead of the human view')
    .addHelpText('after', EXEC_HELP)
    .action(async (words: string[], opts: ExecCliOptions, command: Command) => {
      process.exitCode = await execAction(words, opts, command);
    });
}

/**
 * The CLI part of `fleet exec`: --rerun-failed, the targets, a prepared --outdir (a bad one fails
 * before any prompt or connection), then ops/exec run() under the view and Ctrl-C handling, then
 * --json and the exit code. The operation and the session are imported here so `--help` stays fast.
 */
async function execAction(
  words: string[],
  cliOpts: ExecCliOptions,
  cmd: Pick<Command, 'getOptionValueSource'>,
): Promise<number> {
  const [{ readRerunTargets }, { Outdir }, { run }, { runWithCli }, { cliTargets }, report, files] =
    await Promise.all([
      import('../../../ops/exec/rerun.js'),
      import('../../../ops/exec/outdir.js'),
      import('../../../ops/exec/run.js'),
      import('../run-command.js'),
      import('../targets.js'),
      import('../../../core/report.js'),
      import('../../../adapters/report-files.js'),
    ]);
  const rerun = cliOpts.rerunFailed ? await readRerunTargets(cliOpts.rerunFailed) : undefined;
  const command = words.join(' ').trim() || rerun?.command || '';
  if (!command) {
    throw new FleetError('usage', 'no command given', { hint: 'fleet exec -n HOSTS -- COMMAND' });
  }
  if (rerun && rerun.ids.length === 0) {
    process.stderr.write(`fleet: no failed hosts in ${rerun.path}; nothing to rerun\n`);
    return 0;
  }
  const { targets, opts, resolved } = await cliTargets(cliOpts, cmd, { onlyIds: rerun?.ids });
  const outdir = opts.outdir === undefined ? undefined : new Outdir(opts.outdir);
  outdir?.prepare();

  const { result } = await runWithCli(
    opts,
    targets,
    {
      json: opts.json,
      streamOutput: !opts.group,
      warnings: resolved.warnings,
      onInterrupt: 'stopping remote commands and writing the report',
    },
    (rt) =>
      run(
        {
          command,
          hosts: targets,
          concurrency: opts.concurrency,
          timeoutMs: opts.timeout === undefined ? undefined : Math.round(opts.timeout * 1000),
          sudo: opts.sudo,
          group: opts.group,
          outdir,
          maxOutput: opts.maxOutput,
          reportPath: opts.report,
        },
        rt,
      ),
  );
  if (opts.json) process.stdout.write(files.serializeReport(result));
  return report.execExitCode(result);
}
