/**
 * `fleet node ls | inspect | drain | activate | pause | promote | demote | rm | label`: swarm nodes
 * through a manager's Engine API over SSH, selected like exec's hosts. The operations are src/ops/node/.
 */
import { Option, type Command } from 'commander';
import type { OperationResult, Runtime } from '../../../runtime/types.js';
import type { NodeChangeReport } from '../../../ops/node/common.js';
import { addSshOptions, parseSeconds, SSH_OPTIONS_HELP, type SshCliOptions } from '../ssh-options.js';
import { addTargetOptions, TARGET_OPTIONS_HELP, type TargetCliOptions } from '../target-options.js';
import { SWARM_ACCESS_HELP } from '../swarm-access.js';
import { addWaitLockOption, CLUSTER_LOCK_HELP, type LockCliOptions } from '../cluster-lock-options.js';

interface NodeCliOptions extends SshCliOptions, TargetCliOptions, LockCliOptions {
  json?: boolean;
  report?: string;
  force?: boolean;
  timeout?: number;
  add?: string[];
  rm?: string[];
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

const SAFETY_HELP = `
Safety: refused with exit 5 unless --force, the quorum math in the message: demoting or removing
managers when what is left has no fault-tolerance margin or an even count; draining or removing the
last manager; removing a node that runs the only running replica of a service.
Every change writes a JSON report (./reports/node-<command>-<time>.json, or --report FILE); --json
prints it on stdout.

Exit codes:
  0    done
  2    usage error (flags, a host that is not in the swarm, a label fleet up manages)
  3    no manager could be reached, or rm could not reach a Ready node to make it leave
  5    refused to keep quorum (see Safety), or the swarm has no quorum
  6    the Docker Engine API refused the request
  9    locked: another fleet run holds the cluster lock (--wait-lock waits)
  130  interrupted`;

type Kind = 'ls' | 'inspect' | 'drain' | 'activate' | 'pause' | 'promote' | 'demote' | 'rm' | 'label';

const DESCRIPTIONS: Record<Kind, string> = {
  ls: 'the swarm nodes: role, state, availability, tasks',
  inspect: 'the selected nodes in detail (JSON)',
  drain: 'move every task off the selected nodes and wait until they moved',
  activate: 'let the scheduler place tasks on the selected nodes again',
  pause: 'no new tasks on the selected nodes (running ones stay)',
  promote: 'make the selected nodes managers',
  demote: 'make the selected managers workers (refused when it would weaken quorum)',
  rm: 'remove the selected nodes from the swarm (a live node leaves it itself)',
  label: 'add (--add k=v) or remove (--rm k) node labels fleet up does not manage',
};

export function register(program: Command): void {
  const node = program
    .command('node')
    .description('list, drain, promote, demote, remove and label swarm nodes');
  for (const kind of Object.keys(DESCRIPTIONS) as Kind[]) {
    const cmd = node
      .command(kind)
      .description(DESCRIPTIONS[kind])
      .argument('[hosts...]', 'hosts, as -n takes them');
    addTargetOptions(cmd);
    addSshOptions(cmd);
    cmd
      .option('--report <file>', 'write the JSON report here instead of ./reports/node-<command>-<time>.json')
      .option('--json', 'print the JSON report on stdout instead of the human view');
    const changes = kind !== 'ls' && kind !== 'inspect';
    if (changes) addWaitLockOption(cmd);
    if (['drain', 'demote', 'rm'].includes(kind))
      cmd.option('--force', 'do it even when the safety check refuses');
    if (kind === 'drain' || kind === 'rm' || kind === 'promote') {
      cmd.addOption(
        new Option(
          '--timeout <seconds>',
          kind === 'drain'
            ? 'how long to wait for the tasks to move (0: do not wait)'
            : 'how long to wait for the swarm to see the change',
        )
          .argParser(parseSeconds('--timeout', { allowZero: kind === 'drain' }))
          .default(kind === 'drain' ? 300 : 60),
      );
    }
    if (kind === 'label') {
      cmd
        .option('--add <KEY=VALUE>', 'label to add or change (repeatable)', collect)
        .option('--rm <KEY>', 'label to remove (repeatable)', collect);
    }
    cmd
      .addHelpText(
        'after',
        (changes ? SAFETY_HELP + CLUSTER_LOCK_HELP : '') +
          SWARM_ACCESS_HELP +
          TARGET_OPTIONS_HELP +
          SSH_OPTIONS_HELP,
      )
      .action(async (words: string[], opts: NodeCliOptions, command: Command) => {
        process.exitCode = await nodeAction(kind, words, opts, command);
      });
  }
}

async function nodeAction(
  kind: Kind,
  words: string[],
  cliOpts: NodeCliOptions,
  cmd: Command,
): Promise<number> {
  const [{ swarmAccess }, { runWithCli }, files, { FleetError }] = await Promise.all([
    import('../swarm-access.js'),
    import('../run-command.js'),
    import('../../../adapters/report-files.js'),
    import('../../../core/errors.js'),
  ]);
  const { candidates, selected, opts, warnings } = await swarmAccess(cliOpts, cmd, { words, select: true });
  const base = {
    managers: candidates,
    targets: selected,
    force: Boolean(opts.force),
    reportPath: opts.report,
  };
  const timeoutMs = Math.round((opts.timeout ?? 60) * 1000);
  if (kind !== 'ls' && selected.length === 0) {
    throw new FleetError('usage', `fleet node ${kind} needs hosts`, {
      hint: `fleet node ${kind} agx-01, or -n HOSTS`,
    });
  }
  if (kind === 'ls' || kind === 'inspect') {
    const [{ run }, view] = await Promise.all([
      import('../../../ops/node/ls.js'),
      import('../../../views/node.js'),
    ]);
    const { result } = await runWithCli(
      opts,
      candidates,
      { json: opts.json, warnings, onInterrupt: 'stopping' },
      (rt) => run({ ...base, inspect: kind === 'inspect' }, rt),
    );
    process.stdout.write(
      opts.json || kind === 'inspect' ? files.serializeReport(result) : view.renderNodeList(result),
    );
    return 0;
  }
  let op: (rt: Runtime) => Promise<OperationResult<NodeChangeReport>>;
  if (kind === 'drain' || kind === 'activate' || kind === 'pause') {
    const { run } = await import('../../../ops/node/availability.js');
    const availability = kind === 'activate' ? 'active' : kind;
    op = (rt) => run({ ...base, availability, timeoutMs }, rt);
  } else if (kind === 'promote' || kind === 'demote') {
    const { run } = await import('../../../ops/node/role.js');
    op = (rt) => run({ ...base, role: kind === 'promote' ? 'manager' : 'worker', timeoutMs }, rt);
  } else if (kind === 'rm') {
    const { run } = await import('../../../ops/node/rm.js');
    op = (rt) => run({ ...base, timeoutMs }, rt);
  } else {
    if (!opts.add?.length && !opts.rm?.length)
      throw new FleetError('usage', 'fleet node label needs --add KEY=VALUE or --rm KEY');
    const { run } = await import('../../../ops/node/label.js');
    op = (rt) => run({ ...base, add: opts.add ?? [], remove: opts.rm ?? [] }, rt);
  }
  const { result, error } = await runWithCli(
    opts,
    selected,
    {
      json: opts.json,
      warnings,
      onInterrupt: 'stopping after the step in flight, writing the report',
      lock: { command: `node ${kind}`, opts },
    },
    op,
  );
  if (opts.json) process.stdout.write(files.serializeReport(result));
  if (error) throw error;
  return 0;
}
