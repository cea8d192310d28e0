/**
 * What `fleet bootstrap`, `reboot` and `rollout` share on the command line: one locked, reported run
 * over the selected hosts. The option block around each command's own options (targets, SSH and
 * --wait-lock first; --timeout, --report and --json last, so --help keeps that order), and the
 * action's frame: targets, session + view + Ctrl-C + cluster lock (runWithCli), the operation, the
 * JSON report on stdout with --json, the exit code. Imports inside keep `fleet --help` fast.
 */
import { Option, type Command } from 'commander';
import type { HostTarget } from '../../core/host.js';
import type { ResolvedTargets } from '../../runtime/targets.js';
import type { OperationResult, Runtime } from '../../runtime/types.js';
import { addWaitLockOption, type LockCliOptions } from './cluster-lock-options.js';
import { addSshOptions, parseSeconds, type SshCliOptions } from './ssh-options.js';
import { addTargetOptions, type TargetCliOptions } from './target-options.js';

export interface LockedRunCliOptions extends SshCliOptions, TargetCliOptions, LockCliOptions {
  timeout: number;
  report?: string;
  json?: boolean;
}

export interface LockedRunOptionSpec {
  /** Report name: the --report help says ./reports/<name>-<time>.json. */
  name: string;
  /** --timeout's help line and default (seconds). */
  timeout: string;
  timeoutDefault: number;
}

/** Targets, SSH, --wait-lock, then `own` (the command's options), then --timeout, --report, --json. */
export function addLockedRunOptions(
  cmd: Command,
  spec: LockedRunOptionSpec,
  own: (cmd: Command) => Command,
): Command {
  addTargetOptions(cmd);
  addSshOptions(cmd);
  return own(addWaitLockOption(cmd))
    .addOption(
      new Option('--timeout <seconds>', spec.timeout)
        .argParser(parseSeconds('--timeout'))
        .default(spec.timeoutDefault),
    )
    .option('--report <file>', `write the JSON report here instead of ./reports/${spec.name}-<time>.json`)
    .option('--json', 'print the JSON report on stdout instead of the human view');
}

export interface LockedRunFrame {
  /** The command name the cluster lock records. */
  command: string;
  /** "stopping after the current wave and writing the report" — the text after "interrupted: ". */
  onInterrupt: string;
  /** Take the cluster lock (not for a dry run). */
  lock: boolean;
  /** Every change needs root: sudo for non-root logins even without --sudo (bootstrap). */
  sudo?: boolean;
}

/** Runs `op` on the selected hosts in the CLI's frame; returns the exit code. */
export async function runLockedCommand<O extends LockedRunCliOptions, R>(
  cliOpts: O,
  cmd: Command,
  frame: LockedRunFrame,
  op: (rt: Runtime, targets: HostTarget[], opts: O, resolved: ResolvedTargets) => Promise<OperationResult<R>>,
): Promise<number> {
  const [{ runWithCli }, { cliTargets }, { handleError }, files] = await Promise.all([
    import('./run-command.js'),
    import('./targets.js'),
    import('./handle-error.js'),
    import('../../adapters/report-files.js'),
  ]);
  const { targets, opts, resolved } = await cliTargets(cliOpts, cmd);
  const ssh = frame.sudo ? { ...opts, sudo: true } : opts;
  const { result, error } = await runWithCli(
    ssh,
    targets,
    {
      json: opts.json,
      warnings: resolved.warnings,
      onInterrupt: frame.onInterrupt,
      lock: frame.lock ? { command: frame.command, opts: ssh } : undefined,
    },
    (rt) => op(rt, targets, opts, resolved),
  );
  if (opts.json) process.stdout.write(files.serializeReport(result));
  return error ? handleError(error, false) : 0;
}
