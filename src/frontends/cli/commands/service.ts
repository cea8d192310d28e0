/**
 * `fleet service ls | ps | create | update | scale | rollback | rm | logs`: swarm services through the
 * Engine API of a manager, over SSH. Flags → typed input here; the operations are src/ops/service/.
 */
import { Option, type Command } from 'commander';
import { parseCount, parseSeconds, SSH_OPTIONS_HELP } from '../ssh-options.js';
import { addManagerOptions, SWARM_ACCESS_HELP } from '../swarm-access.js';
import { addWaitLockOption, CLUSTER_LOCK_HELP } from '../cluster-lock-options.js';
import { changeAction, listAction, logsAction, type ServiceCliOptions } from '../service-actions.js';

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
