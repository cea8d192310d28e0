/**
 * The host selection flags every host command shares (-f, -n, -x, --role, --all). Turning them into
 * HostTargets is runtime/targets.ts; the CLI adds only how --role reads the live swarm.
 */
import { Option, type Command } from 'commander';
import {
  resolveTargets as resolveTargetsIn,
  type LiveRolesReader,
  type ResolveContext,
  type ResolvedTargets,
  type TargetSelection,
} from '../../runtime/targets.js';
import { sshSettingsFromOptions, type SshCliOptions } from './ssh-options.js';

export type TargetCliOptions = TargetSelection;

export const TARGET_OPTIONS_HELP = `
Hosts:
  -n takes names, ranges and lists: agx-01..15, 'agx-[01-15,17]', 10.77.2.[2-20], spark,agx-01,
  @type or @group from nodes.yml (@jetson-agx-xavier, @gpu), and root@host or host:2222.
  -n and -x repeat; -x wins. --role uses the live swarm's roles (read from a manager of nodes.yml,
  pinned managers first), so it finds the managers fleet up chose too; with no swarm, the pins.
  nodes.yml is -f FILE, else $FLEET_INVENTORY, else ./nodes.yml when present. With an inventory,
  unknown names are an error; reach other machines as ssh://[user@]host[:port].`;

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function addTargetOptions(cmd: Command): Command {
  return cmd
    .option(
      '-f, --inventory <file>',
      'nodes.yml to use (default: $FLEET_INVENTORY, else ./nodes.yml if present)',
    )
    .option(
      '-n, --nodes <hosts>',
      'hosts to act on: agx-01..15, agx-[01-15,17], @type, @group (repeatable)',
      collect,
    )
    .option('-x, --exclude <hosts>', 'hosts to leave out, same syntax as -n (repeatable)', collect)
    .addOption(
      new Option(
        '--role <role>',
        'only nodes with this role in the swarm (else as pinned in nodes.yml)',
      ).choices(['manager', 'worker']),
    )
    .option('--all', 'every node in the inventory');
}

/** --role on the CLI reads the live swarm (ops/swarm/live-roles.ts) with the command's SSH flags. */
export const readLiveRolesCli: LiveRolesReader = async (hosts, opts) => {
  const { readLiveRoles } = await import('../../ops/swarm/live-roles.js');
  const settings = await sshSettingsFromOptions({ ...(opts as SshCliOptions), askPass: false });
  return readLiveRoles(hosts, settings);
};

/** runtime/targets.ts resolveTargets, with --role reading the live swarm as before. */
export function resolveTargets(
  opts: TargetCliOptions,
  onlyIds?: string[],
  ctx: ResolveContext = {},
): Promise<ResolvedTargets> {
  return resolveTargetsIn(opts, onlyIds, { readLiveRoles: readLiveRolesCli, ...ctx });
}
