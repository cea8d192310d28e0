/**
 * `fleet service ls | ps | create | update | scale | rollback | rm | logs`: swarm services through the
 * Engine API of a manager, over SSH. Flags → typed input here; the operations are src/ops/service/.
 */
import { Option, type Command } from 'commander';
import type { OperationResult } from '../../../runtime/types.js';
import type { ServiceChangeReport } from '../../../ops/service/report.js';
import { parseCount, parseSeconds, SSH_OPTIONS_HELP, type SshCliOptions } from '../ssh-options.js';
import type { TargetCliOptions } from '../target-options.js';
import { addManagerOptions, SWARM_ACCESS_HELP } from '../swarm-access.js';
import { addWaitLockOption, CLUSTER_LOCK_HELP } from '../cluster-lock-options.js';

interface ServiceCliOptions extends SshCliOptions, TargetCliOptions {
  json?: boolean;
  report?: string;
  detach?: boolean;
  timeout: number;
  stuckTimeout: number;
  [key: string]: unknown;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

const CHANGE_HELP = `
Waiting: create, update, scale and rollback wait until every wanted task runs (each task's state and
the overall count are shown as they change) unless --detach. When tasks keep failing for
--stuck-timeout seconds (no suitable node, image not found, insufficient resources) or --timeout
passes, the reason from the tasks' status is printed and fleet exits 11.
Every run writes a JSON report (./reports/service-<command>-<time>.json, or --report FILE); --json
prints it on stdout. Environment values (--env) never appear in reports.

Exit codes:
  0    done (converged, or accepted with --detach)
  2    usage error (bad flag value, unknown service)
  3    no manager could be reached
  5    the swarm has no quorum (no manager can accept changes)
  6    the Docker Engine API refused the request
  9    locked: another fleet run holds the cluster lock (--wait-lock waits)
  11   the service did not converge (reason printed)
  130  interrupted`;

function base(cmd: Command): Command {
  addManagerOptions(cmd);
  return cmd
    .option(
      '--report <file>',
      'write the JSON report here instead of ./reports/service-<command>-<time>.json',
    )
    .option('--json', 'print the JSON report on stdout instead of the human view');
}

function waiting(cmd: Command): Command {
  return addWaitLockOption(cmd)
    .option('-d, --detach', 'do not wait for the service to converge')
    .addOption(
      new Option('--timeout <seconds>', 'how long to wait for convergence')
        .argParser(parseSeconds('--timeout'))
        .default(300),
    )
    .addOption(
      new Option('--stuck-timeout <seconds>', 'give up when tasks keep failing this long')
        .argParser(parseSeconds('--stuck-timeout'))
        .default(20),
    );
}

function specOptions(cmd: Command, update: boolean): Command {
  cmd
    .option('--image <image>', update ? 'new image' : 'image to run (required)')
    .option('-e, --env <KEY=VALUE>', 'environment variable (repeatable)', collect)
    .option('-p, --publish <PUB:TARGET[/udp]>', 'publish a port (repeatable)', collect)
    .option('--mount <spec>', 'type=bind|volume|tmpfs,source=…,target=…[,readonly] (repeatable)', collect)
    .option('--constraint <expr>', 'placement constraint, e.g. node.labels.arch==arm64 (repeatable)', collect)
    .option('--gpu', 'only on GPU nodes (node.labels.gpu==true, set by fleet up)')
    .option('-l, --label <KEY=VALUE>', 'service label (repeatable)', collect)
    .option('--limit-cpu <cpus>', 'CPU limit per task, e.g. 0.5')
    .option('--limit-memory <size>', 'memory limit per task, e.g. 512M')
    .addOption(
      new Option('--update-parallelism <n>', 'tasks updated at once').argParser(
        parseCount('--update-parallelism'),
      ),
    )
    .option('--update-delay <duration>', 'pause between update batches, e.g. 10s')
    .addOption(
      new Option('--restart-condition <when>', 'restart tasks').choices(['none', 'on-failure', 'any']),
    )
    .addOption(new Option('--replicas <n>', 'wanted tasks').argParser(parseCount('--replicas')));
  if (update) {
    cmd
      .option('--env-rm <KEY>', 'remove an environment variable (repeatable)', collect)
      .option('--label-rm <KEY>', 'remove a service label (repeatable)', collect)
      .option('--constraint-rm <expr>', 'remove a placement constraint (repeatable)', collect)
      .option('--force', 'restart every task even when nothing else changed');
  } else {
    cmd
      .option('--global', 'one task on every eligible node instead of --replicas')
      .option(
        '--network <name>',
        "overlay network to attach (default: the one fleet up made, nodes.yml's swarm.network)",
      );
  }
  return cmd;
}

export function register(program: Command): void {
  const service = program
    .command('service')
    .description('list, create, scale, update, roll back, remove swarm services and read their logs');

  base(service.command('ls').description('services with running/wanted tasks'))
    .addHelpText('after', SWARM_ACCESS_HELP + '\n' + SSH_OPTIONS_HELP)
    .option('--filter <KEY=VALUE>', 'engine filter: name=…, label=…, mode=… (repeatable)', collect)
    .action(async (opts: ServiceCliOptions, cmd: Command) => {
      process.exitCode = await listAction('ls', [], opts, cmd);
    });

  base(service.command('ps').description("a service's tasks: node, desired and current state, error"))
    .argument('<service...>', 'service names or ids')
    .option('-a, --all', 'include tasks that are shut down (history)')
    .addHelpText('after', SWARM_ACCESS_HELP)
    .action(async (names: string[], opts: ServiceCliOptions, cmd: Command) => {
      process.exitCode = await listAction('ps', names, opts, cmd);
    });

  const create = base(service.command('create').description('create a service and wait until it runs'))
    .argument('<name>', 'service name')
    .argument('[command...]', 'command and arguments for the image (after --)');
  waiting(specOptions(create, false))
    .addHelpText('after', CHANGE_HELP + SWARM_ACCESS_HELP + CLUSTER_LOCK_HELP)
    .action(async (name: string, command: string[], opts: ServiceCliOptions, cmd: Command) => {
      process.exitCode = await changeAction('create', name, opts, cmd, command);
    });

  const update = base(
    service.command('update').description("change a service's spec and wait for the rollout"),
  ).argument('<service>', 'service name or id');
  waiting(specOptions(update, true))
    .addHelpText('after', CHANGE_HELP + SWARM_ACCESS_HELP + CLUSTER_LOCK_HELP)
    .action(async (name: string, opts: ServiceCliOptions, cmd: Command) => {
      process.exitCode = await changeAction('update', name, opts, cmd);
    });

  waiting(base(service.command('scale').description('set the replica count and wait for it')))
    .argument('<service=replicas>', 'e.g. web=10')
    .addHelpText('after', CHANGE_HELP + SWARM_ACCESS_HELP + CLUSTER_LOCK_HELP)
    .action(async (arg: string, opts: ServiceCliOptions, cmd: Command) => {
      process.exitCode = await changeAction('scale', arg, opts, cmd);
    });

  waiting(base(service.command('rollback').description('go back to the previous spec and wait for it')))
    .argument('<service>', 'service name or id')
    .addHelpText('after', CHANGE_HELP + SWARM_ACCESS_HELP + CLUSTER_LOCK_HELP)
    .action(async (name: string, opts: ServiceCliOptions, cmd: Command) => {
      process.exitCode = await changeAction('rollback', name, opts, cmd);
    });

  addWaitLockOption(
    base(service.command('rm').description('remove a service and wait until its tasks are gone')),
  )
    .argument('<service>', 'service name or id')
    .option('-d, --detach', 'do not wait for the tasks to stop')
    .addOption(
      new Option('--timeout <seconds>', 'how long to wait').argParser(parseSeconds('--timeout')).default(120),
    )
    .addHelpText('after', SWARM_ACCESS_HELP)
    .action(async (name: string, opts: ServiceCliOptions, cmd: Command) => {
      process.exitCode = await changeAction('rm', name, opts, cmd);
    });

  const logs = service.command('logs').description("a service's logs, each line as service.slot@node: line");
  // -f is --follow here, as in docker (--inventory stays).
  addManagerOptions(logs, { shortInventory: false })
    .argument('<service>', 'service name or id')
    .option('-f, --follow', 'keep streaming new lines until Ctrl-C')
    .addOption(new Option('--tail <n>', 'lines from the end of each task').argParser(parseCount('--tail')))
    .option('--since <time>', 'only lines since: 10m, 2h, 2026-01-30T10:00:00Z or unix seconds')
    .option('-t, --timestamps', 'show the time of each line')
    .addHelpText(
      'after',
      '\nstdout lines go to stdout and stderr lines to stderr, each prefixed with the task and node.\n' +
        'Ctrl-C ends -f cleanly (exit 0).' +
        SWARM_ACCESS_HELP,
    )
    .action(
      async (
        name: string,
        opts: ServiceCliOptions & { follow?: boolean; tail?: number; since?: string; timestamps?: boolean },
        cmd: Command,
      ) => {
        process.exitCode = await logsAction(name, opts, cmd);
      },
    );
}

async function listAction(
  kind: 'ls' | 'ps',
  names: string[],
  cliOpts: ServiceCliOptions,
  cmd: Command,
): Promise<number> {
  const [{ swarmAccess }, { runWithCli }, ls, files, view] = await Promise.all([
    import('../swarm-access.js'),
    import('../run-command.js'),
    import('../../../ops/service/ls.js'),
    import('../../../adapters/report-files.js'),
    import('../../../views/service.js'),
  ]);
  const { candidates, opts, warnings } = await swarmAccess(cliOpts, cmd);
  const run = { json: opts.json, warnings, onInterrupt: 'stopping' };
  if (kind === 'ls') {
    const filters = parseFilters(opts.filter as string[] | undefined);
    const { result } = await runWithCli(opts, candidates, run, (rt) =>
      ls.runLs({ managers: candidates, reportPath: opts.report, filters }, rt),
    );
    process.stdout.write(opts.json ? files.serializeReport(result) : view.renderServiceList(result));
  } else {
    const { result } = await runWithCli(opts, candidates, run, (rt) =>
      ls.runPs(
        { managers: candidates, reportPath: opts.report, services: names, all: Boolean(opts.all) },
        rt,
      ),
    );
    process.stdout.write(opts.json ? files.serializeReport(result) : view.renderServicePs(result));
  }
  return 0;
}

function parseFilters(items: string[] | undefined): Record<string, string[]> | undefined {
  if (!items?.length) return undefined;
  const out: Record<string, string[]> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    const key = eq === -1 ? item : item.slice(0, eq);
    (out[key] ??= []).push(eq === -1 ? '' : item.slice(eq + 1));
  }
  return out;
}

async function changeAction(
  kind: 'create' | 'update' | 'scale' | 'rollback' | 'rm',
  arg: string,
  cliOpts: ServiceCliOptions,
  cmd: Command,
  command: string[] = [],
): Promise<number> {
  const [{ swarmAccess }, { runWithCli }, files, { FleetError }, { resolveSwarmNetwork }] = await Promise.all(
    [
      import('../swarm-access.js'),
      import('../run-command.js'),
      import('../../../adapters/report-files.js'),
      import('../../../core/errors.js'),
      import('../../../core/config.js'),
    ],
  );
  const { candidates, opts, warnings } = await swarmAccess(cliOpts, cmd);
  const wait = {
    managers: candidates,
    reportPath: opts.report,
    detach: Boolean(opts.detach),
    timeoutMs: Math.round(opts.timeout * 1000),
    stuckMs: Math.round((opts.stuckTimeout ?? 20) * 1000),
  };
  const o = opts as Record<string, unknown>;
  const flags = {
    image: o.image as string | undefined,
    replicas: o.replicas as number | undefined,
    global: o.global as boolean | undefined,
    env: o.env as string[] | undefined,
    publish: o.publish as string[] | undefined,
    mount: o.mount as string[] | undefined,
    constraint: o.constraint as string[] | undefined,
    gpu: o.gpu as boolean | undefined,
    label: o.label as string[] | undefined,
    limitCpu: o.limitCpu as string | undefined,
    limitMemory: o.limitMemory as string | undefined,
    updateParallelism: o.updateParallelism as number | undefined,
    updateDelay: o.updateDelay as string | undefined,
    restartCondition: o.restartCondition as string | undefined,
  };
  let op: (rt: import('../../../runtime/types.js').Runtime) => Promise<OperationResult<ServiceChangeReport>>;
  if (kind === 'create') {
    let network = o.network as string | undefined;
    if (network === undefined) {
      const { loadInventory } = await import('../../../runtime/targets.js');
      network = resolveSwarmNetwork(
        (await loadInventory({ inventory: opts.inventory })).inventory?.defaults,
      ).name;
    }
    const { run } = await import('../../../ops/service/create.js');
    op = (rt) => run({ ...wait, name: arg, flags: { ...flags, network, command } }, rt);
  } else if (kind === 'rm') {
    const { run } = await import('../../../ops/service/rm.js');
    op = (rt) => run({ ...wait, service: arg }, rt);
  } else {
    const { run } = await import('../../../ops/service/update.js');
    let service = arg;
    let mode: import('../../../ops/service/update.js').ServiceUpdateMode;
    if (kind === 'scale') {
      const m = /^(.+)=(\d+)$/.exec(arg);
      if (!m) throw new FleetError('usage', `fleet service scale expects SERVICE=REPLICAS, got "${arg}"`);
      service = m[1]!;
      mode = { kind: 'scale', replicas: Number(m[2]) };
    } else if (kind === 'rollback') {
      mode = { kind: 'rollback' };
    } else {
      mode = {
        kind: 'update',
        flags: {
          ...flags,
          envRm: o.envRm as string[] | undefined,
          labelRm: o.labelRm as string[] | undefined,
          constraintRm: o.constraintRm as string[] | undefined,
          force: o.force as boolean | undefined,
        },
      };
    }
    op = (rt) => run({ ...wait, service, mode }, rt);
  }
  const { result, error } = await runWithCli(
    opts,
    candidates,
    {
      json: opts.json,
      warnings,
      onInterrupt: 'stopping the wait (the change itself stays), writing the report',
    },
    op,
  );
  if (opts.json) process.stdout.write(files.serializeReport(result));
  if (error) throw error;
  return 0;
}

async function logsAction(
  name: string,
  cliOpts: ServiceCliOptions & { follow?: boolean; tail?: number; since?: string; timestamps?: boolean },
  cmd: Command,
): Promise<number> {
  const [{ swarmAccess }, { runWithCli }, { run }, { parseSince }] = await Promise.all([
    import('../swarm-access.js'),
    import('../run-command.js'),
    import('../../../ops/service/logs.js'),
    import('../../../core/service-spec.js'),
  ]);
  const { candidates, opts, warnings } = await swarmAccess(cliOpts, cmd);
  const since = opts.since === undefined ? undefined : parseSince(opts.since, Date.now());
  await runWithCli(
    opts,
    candidates,
    { streamOutput: true, warnings, onInterrupt: 'closing the log stream' },
    (rt) =>
      run(
        {
          managers: candidates,
          service: name,
          follow: opts.follow,
          tail: opts.tail,
          since,
          timestamps: opts.timestamps,
        },
        rt,
      ),
  );
  return 0;
}
