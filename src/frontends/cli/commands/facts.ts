/**
 * `fleet facts [hosts…] [--json]`: read what each host is (ops/facts/run.ts) and print a table or the
 * parsed objects (views/facts.ts). `gatherFacts` is shared with `fleet score`. The SSH pool is
 * imported inside the action so `fleet --help` stays fast.
 */
import { Option, type Command } from 'commander';
import type { HostTarget } from '../../../core/host.js';
import type { HostFactsResult } from '../../../ops/facts/run.js';
import type { ResolvedTargets } from '../../../runtime/targets.js';
import type { Runtime } from '../../../runtime/types.js';
import {
  addSshOptions,
  parseCount,
  sshSettingsFromOptions,
  sudoPasswordFromOptions,
  SSH_OPTIONS_HELP,
  type SshCliOptions,
} from '../ssh-options.js';
import { addTargetOptions, TARGET_OPTIONS_HELP, type TargetCliOptions } from '../target-options.js';

export interface FactsCliOptions extends SshCliOptions, TargetCliOptions {
  concurrency: number;
  json?: boolean;
}

/** Adds the flags `facts` and `score` share; positional host words act like -n. */
export function addFactsOptions(cmd: Command): Command {
  addTargetOptions(cmd);
  addSshOptions(cmd);
  return cmd
    .addOption(
      new Option('-c, --concurrency <n>', 'hosts probed at once')
        .env('FLEET_MAX_JOBS')
        .argParser(parseCount('--concurrency', { min: 1 }))
        .default(32),
    )
    .option('--json', 'print JSON instead of a table');
}

export async function resolveFactTargets(
  words: string[],
  cliOpts: FactsCliOptions,
  cmd: Pick<Command, 'getOptionValueSource'>,
): Promise<{ targets: HostTarget[]; opts: FactsCliOptions; resolved: ResolvedTargets }> {
  const { cliTargets } = await import('../targets.js');
  return cliTargets(cliOpts, cmd, {
    words,
    defaultToAll: true,
    emptyHint: 'name hosts, use -n HOSTS or --all',
  });
}

/**
 * facts and score open no view and install no Ctrl-C handler (they never did): their Runtime is a
 * bus whose warnings go to stderr as "fleet: host: message", the SSH pool and the sudo password.
 * TODO(package B): runWithCli(..., { view: false, handleSignals: false }) replaces this.
 */
async function factsRuntime(opts: FactsCliOptions, targets: HostTarget[]): Promise<Runtime> {
  const [{ createSshPool }, { EventBus }, { cliAsker }, { writeRunReport }] = await Promise.all([
    import('../../../adapters/ssh/pool.js'),
    import('../../../runtime/events.js'),
    import('../ask.js'),
    import('../../../adapters/report-files.js'),
  ]);
  const bus = new EventBus();
  bus.subscribe((e) => {
    if (e.type === 'log' && e.level === 'warn')
      process.stderr.write(`fleet: ${e.host ? `${e.host}: ` : ''}${e.message}\n`);
  });
  const settings = await sshSettingsFromOptions(opts);
  settings.warn = (message, host) => bus.log('warn', message, host);
  const sudoPassword = await sudoPasswordFromOptions(opts, targets);
  let pool: ReturnType<typeof createSshPool> | undefined;
  return {
    bus,
    signal: new AbortController().signal,
    ask: cliAsker(),
    sudoPassword,
    pool: () => Promise.resolve((pool ??= createSshPool(settings, bus))),
    async releasePool() {
      const open = pool;
      pool = undefined;
      await open?.closeAll().catch(() => undefined);
    },
    writeReport: (command, report, startedAt, path, lastOf) =>
      writeRunReport(command, report, startedAt, path, lastOf),

    // facts and score change nothing: they never lock, and there is no report to force out.
    lockCluster: () => Promise.reject(new Error('facts takes no cluster lock')),
    onForceExit: () => undefined,
  };
}

/** Connects to every target and reads its facts; one host's failure never stops the others. */
export async function gatherFacts(targets: HostTarget[], opts: FactsCliOptions): Promise<HostFactsResult[]> {
  const { run } = await import('../../../ops/facts/run.js');
  const rt = await factsRuntime(opts, targets);
  return run({ hosts: targets, concurrency: opts.concurrency, sudo: opts.sudo }, rt);
}

/** Prints failures on stderr; returns the exit code (0, or the first failure's). */
export async function reportFailures(results: HostFactsResult[]): Promise<number> {
  const { factsFailures } = await import('../../../views/facts.js');
  const { text, exitCode } = factsFailures(results);
  process.stderr.write(text);
  return exitCode;
}

export function register(program: Command): void {
  const cmd = program
    .command('facts')
    .description('show what each host is: hardware, OS, disk, GPUs, Docker and swarm state')
    .argument('[hosts...]', 'hosts (same syntax as -n); default: every node in nodes.yml');
  addFactsOptions(cmd)
    .addHelpText(
      'after',
      `\nThe probe is remote/facts.sh (POSIX sh, sent on stdin; nothing is installed on the host).\nExit codes: 0 all hosts answered; 3 some host could not be reached; 1 the probe failed on some host.\n${TARGET_OPTIONS_HELP}\n${SSH_OPTIONS_HELP}`,
    )
    .action(async (words: string[], cliOpts: FactsCliOptions, command: Command) => {
      const { targets, opts } = await resolveFactTargets(words, cliOpts, command);
      const results = await gatherFacts(targets, opts);
      const { factsJson, factsTable } = await import('../../../views/facts.js');
      process.stdout.write(opts.json ? factsJson(results) : factsTable(results));
      process.exitCode = await reportFailures(results);
    });
}
