/**
 * `fleet up` (and `fleet plan` = `fleet up --dry-run`, and `fleet down`'s run): from nodes.yml to a
 * verified Docker Swarm. Flags, the target prologue, down's confirmation, the session (view, Ctrl-C,
 * cluster lock), the summary and the exit code are here; the operation is ops/swarm/run.ts runSwarm.
 * Everything heavy is imported when the command runs, so `fleet --help` stays fast.
 */
import { Option, type Command } from 'commander';
import {
  addSshOptions,
  parseCount,
  parseSeconds,
  SSH_OPTIONS_HELP,
  type SshCliOptions,
} from '../ssh-options.js';
import { addWaitLockOption, CLUSTER_LOCK_HELP, type LockCliOptions } from '../cluster-lock-options.js';
import { addTargetOptions, TARGET_OPTIONS_HELP, type TargetCliOptions } from '../target-options.js';
import type { OperationResult } from '../../../runtime/types.js';
import type { SwarmInput, SwarmResult } from '../../../ops/swarm/run.js';

export interface SwarmCliOptions extends SshCliOptions, TargetCliOptions, LockCliOptions {
  concurrency: number;
  dryRun?: boolean;
  force?: boolean;
  yes?: boolean;
  managers?: number;
  allowEvenManagers?: boolean;
  replaceUnreachableManagers?: boolean;
  clusterName: string;
  settleTimeout: number;
  report?: string;
  json?: boolean;
  roleAssignments: string;
}

const UP_HELP = `
Phases: preflight (connect, facts, Docker, who is in which swarm, roles, the plan) → init → tokens →
managers (one at a time, each confirmed Reachable with quorum) → workers (bounded pool; it starts
alongside the manager joins once three managers are in, and no worker join starts after a manager join
failed) → labels (set right after each node's join; what is left here) → network → verify. fleet plan
prints the plan's steps.
Join tokens are read through the Docker Engine API over SSH and stay in memory: never on a command
line, in a file, a log or the report. Running up again converges: members are skipped, missing hosts
join, changed roles are promoted or demoted keeping quorum. A host in another swarm is left alone
unless --force; a manager whose swarm has no leader is waited for (--settle-timeout), then up stops (5).
A manager that cannot be reached (SSH or its engine) keeps its seat: no replacement is promoted, no
healthy manager demoted, and up ends partial (4) naming it. --replace-unreachable-managers demotes and
removes its entry and gives the seat to another host (the plan shows the quorum before and after).
A manager whose host key or login fails stops up before anything changes (3). Entries a re-joined host
left behind (Down, same address) are removed. With -n selecting only workers, the swarm is read
through a manager of nodes.yml outside the selection, which is never changed.
${TARGET_OPTIONS_HELP}
${SSH_OPTIONS_HELP}

Exit codes:
  0    the swarm matches nodes.yml
  2    usage or input error
  3    no host could be reached, or a manager's host key or login failed (nothing changed)
  4    partial: some hosts failed or were left alone, or the swarm does not match the plan (an
       unreachable manager kept, a stale entry left): listed at the end and in the report
  5    refused or stopped to keep quorum
  6    the Docker Engine API failed
  9    locked: another run holds the cluster lock (see Cluster lock)
  130  interrupted: the step in flight finished, the report was written; run up again to continue`;

const REPLACE_HELP =
  'demote and remove managers whose host cannot be reached, and give their seats to other hosts';

type SwarmCommand = 'up' | 'plan' | 'down';

/** The options each swarm command uses, and only those (plan changes nothing, down ranks no roles). */
export function addSwarmOptions(cmd: Command, command: SwarmCommand): Command {
  addTargetOptions(cmd);
  addSshOptions(cmd);
  if (command !== 'plan') {
    cmd.addOption(
      new Option(
        '-c, --concurrency <n>',
        command === 'up' ? 'workers joining at once' : 'workers leaving at once',
      )
        .argParser(parseCount('--concurrency', { min: 1 }))
        .default(10),
    );
    cmd.option(
      '--yes',
      command === 'up'
        ? 'do not ask: continue with fewer managers when one fails to join'
        : 'do not ask for confirmation (required without a terminal)',
    );
  }
  cmd.option(
    '--force',
    {
      up: 'move hosts that are in another swarm into this one',
      plan: 'plan moving hosts that are in another swarm into this one',
      down: 'also make hosts in another swarm leave it',
    }[command],
  );
  if (command !== 'down') {
    cmd
      .addOption(
        new Option('--managers <n>', 'manager count (default by size: 1, 3, 5, 7)').argParser(
          parseCount('--managers', { min: 1 }),
        ),
      )
      .option('--allow-even-managers', 'accept an even --managers count');
  }
  cmd.addOption(
    new Option('--cluster-name <name>', 'the swarm label that marks this cluster')
      .env('FLEET_CLUSTER')
      .default('fleet'),
  );
  if (command !== 'plan') {
    cmd.addOption(
      new Option('--settle-timeout <seconds>', 'how long to wait for a node to become Ready/Reachable')
        .argParser(parseSeconds('--settle-timeout'))
        .default(UNUSED_SWARM_DEFAULTS.settleTimeout),
    );
  }
  if (command === 'up')
    cmd.option('--role-assignments <file>', 'where to write the role ranking', 'role_assignments.json');
  return cmd
    .option('--report <file>', 'write the JSON report here instead of ./reports/<command>-<time>.json')
    .option('--json', 'print the JSON report on stdout instead of the human view');
}

/** Values the shared swarm run reads for options a command does not offer (never used by it). */
export const UNUSED_SWARM_DEFAULTS = {
  concurrency: 10,
  settleTimeout: 90,
  roleAssignments: 'role_assignments.json',
};

export function register(program: Command): void {
  const up = program.command('up').description('form (or converge) the Docker Swarm described by nodes.yml');
  addSwarmOptions(up, 'up');
  addWaitLockOption(up)
    .addHelpText('after', CLUSTER_LOCK_HELP)
    .option('--replace-unreachable-managers', REPLACE_HELP)
    .option('--dry-run', 'print what would change, change nothing (same as fleet plan)')
    .option('--discover <cidr>', 'scan CIDR for SSH hosts, write a draft nodes.yml, and start from it')
    .addHelpText('after', UP_HELP)
    .action(async (opts: SwarmCliOptions & { discover?: string }, command: Command) => {
      if (opts.discover) {
        const { discoverToInventory } = await import('./discover.js');
        opts.inventory = await discoverToInventory(opts.discover, opts);
      }
      process.exitCode = await runSwarmCommand('up', opts, command);
    });

  const plan = program
    .command('plan')
    .description('show exactly what fleet up would do against the live hosts');
  addSwarmOptions(plan, 'plan')
    .option('--replace-unreachable-managers', REPLACE_HELP)
    .addHelpText(
      'after',
      '\nSame as fleet up --dry-run: reads live state, prints the steps, changes nothing on the hosts and\n' +
        'writes no role_assignments.json (only its report under ./reports, or --report FILE).',
    )
    .action(async (opts: SwarmCliOptions, command: Command) => {
      process.exitCode = await runSwarmCommand('plan', { ...UNUSED_SWARM_DEFAULTS, ...opts }, command);
    });
}

/**
 * The CLI around runSwarm: targets (the one prologue), down's confirmation before the view starts,
 * the session with its view, Ctrl-C handling and cluster lock, then the --json report or the summary,
 * and the exit code (an error that stopped the run is rethrown for handleError, as before).
 */
export async function runSwarmCommand(
  command: 'up' | 'plan' | 'down',
  cliOpts: SwarmCliOptions,
  cmd: Pick<Command, 'getOptionValueSource'>,
): Promise<number> {
  const [{ cliTargets }, { resolveSwarmNetwork }, { cliAsker }, { FleetError }] = await Promise.all([
    import('../targets.js'),
    import('../../../core/config.js'),
    import('../ask.js'),
    import('../../../core/errors.js'),
  ]);
  const { targets, opts: withDefaults, resolved } = await cliTargets(cliOpts, cmd, { defaultToAll: true });
  // nodes.yml maxJobs is exec's knob; the worker pool keeps its own default.
  const opts = { ...withDefaults, concurrency: cliOpts.concurrency };
  const dryRun = command === 'plan' || Boolean(opts.dryRun);
  const [{ downConfirmation, loadPhases }, { applyIdentityFiles, resolveTargets }] = await Promise.all([
    import('../../../ops/swarm/run.js'),
    import('../../../runtime/targets.js'),
  ]);
  // The phases load while the cluster lock's SSH handshakes are in flight, instead of after them at
  // the start of preflight; the run's own import then hits the cache. (The Docker client loads later:
  // preflight starts it once its probes are out.)
  void loadPhases(command === 'down' ? 'down' : 'up').catch(() => undefined);
  const input: SwarmInput = {
    command,
    hosts: targets,
    dryRun,
    reportPath: opts.report,
    options: {
      clusterName: opts.clusterName,
      concurrency: opts.concurrency,
      force: Boolean(opts.force),
      yes: Boolean(opts.yes),
      network: { ...resolveSwarmNetwork(resolved.inventory?.defaults), driver: 'overlay' },
      managers: opts.managers ?? resolved.inventory?.defaults.swarm.managers,
      allowEvenManagers: Boolean(opts.allowEvenManagers),
      roleAssignmentsFile: opts.roleAssignments,
      retries: opts.retries,
      retryDelayMs: Math.round(opts.retryDelay * 1000),
      settleTimeoutMs: Math.round(opts.settleTimeout * 1000),
      replaceUnreachableManagers: Boolean(opts.replaceUnreachableManagers),
    },
  };
  const ask = cliAsker();
  const confirmation = downConfirmation(input);
  if (confirmation) {
    if (!ask.canAsk('down'))
      throw new FleetError('usage', 'fleet down needs --yes when no terminal can confirm');
    if (!(await ask.confirm(confirmation))) return 2;
  }
  if (resolved.inventory) {
    const all = await resolveTargets({ inventory: cliOpts.inventory, all: true }, undefined, {
      defaultToAll: true,
    });
    const selected = new Set(targets.map((t) => t.id));
    input.spares = applyIdentityFiles(all.hosts, opts).filter((t) => !selected.has(t.id));
  }

  const { result, error } = await runInSession(command, input, opts, resolved.warnings);
  if (opts.json) {
    const { serializeReport } = await import('../../../adapters/report-files.js');
    process.stdout.write(serializeReport(result.report));
  } else {
    const { renderSwarmSummary } = await import('../../../views/swarm-summary.js');
    process.stdout.write(renderSwarmSummary(result, error));
  }
  const { upExitCode } = await import('../../../ops/swarm/report.js');
  const code = upExitCode(result.report, error);
  if (error && !result.report.was_interrupted) throw error;
  return code;
}

/** The session (runWithCli) with the cluster lock (none for plan and --dry-run), then runSwarm. */
async function runInSession(
  command: 'up' | 'plan' | 'down',
  input: SwarmInput,
  opts: SwarmCliOptions,
  warnings: string[],
): Promise<OperationResult<SwarmResult>> {
  const [{ runWithCli }, reportFiles, { runSwarm, lockAlsoRun }] = await Promise.all([
    import('../run-command.js'),
    import('../../../adapters/report-files.js'),
    import('../../../ops/swarm/run.js'),
  ]);
  const cliRun = {
    json: opts.json,
    warnings,
    onInterrupt: 'stopping (a join in flight gets a few seconds), then writing the report',
    // up's facts.sh runs in the lock's own remote shell: one login-shell start per host, not two.
    lock: input.dryRun ? undefined : { command, opts, alsoRun: lockAlsoRun(command) },
  };
  return runWithCli(opts, input.hosts, cliRun, (rt) =>
    runSwarm(input, rt, {
      // A second Ctrl-C exits at once: the report of what happened so far is still written.
      onForceExit: (partial) =>
        rt.onForceExit(() => {
          const p = partial();
          const path = reportFiles.writeRunReportSync(p.command, p.report, p.startedAt, opts.report);
          process.stderr.write(`report: ${path}\n`);
        }),
    }),
  );
}
