/**
 * How `fleet node` and `fleet service` find the swarm: the hosts of nodes.yml are the candidate
 * managers (pinned managers are asked first, see ops/shared/manager.ts). Without nodes.yml, -n names
 * them (ssh://host). Commands whose -n selects nodes (fleet node) still look for managers among every
 * host of nodes.yml.
 */
import type { Command } from 'commander';
import { addSshOptions } from './ssh-options.js';
import { FleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import type { RunKnobs, SshCliOptions } from './ssh-options.js';
import type { OperationResult, Runtime } from '../../runtime/types.js';
import type { TargetCliOptions } from './target-options.js';

export const SWARM_ACCESS_HELP = `
Manager: the swarm is reached through its leader (or, when the leader does not answer, any other
manager), found among the hosts of nodes.yml (managers pinned there are asked first). Without nodes.yml,
name managers with -n ssh://root@10.0.0.1. Nothing runs on this machine but fleet: no docker CLI needed.`;

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** -f and -n for commands that act on the swarm as a whole (fleet service, fleet stack), plus the SSH flags. */
export function addManagerOptions(cmd: Command, o: { shortInventory?: boolean } = {}): Command {
  cmd
    .option(
      o.shortInventory === false ? '--inventory <file>' : '-f, --inventory <file>',
      'nodes.yml to use (default: $FLEET_INVENTORY, else ./nodes.yml if present)',
    )
    .option(
      '-n, --nodes <hosts>',
      'managers to ask (default: every host of nodes.yml, pinned managers first)',
      collect,
    );
  return addSshOptions(cmd);
}

export interface SwarmAccess<O> {
  candidates: HostTarget[];
  /** The hosts -n/-x/--role/--all selected (fleet node acts on them); empty when none were given. */
  selected: HostTarget[];
  opts: O;
  warnings: string[];
}

export async function swarmAccess<O extends TargetCliOptions & SshCliOptions & RunKnobs>(
  cliOpts: O,
  cmd: Pick<Command, 'getOptionValueSource'>,
  o: { words?: string[]; select?: boolean } = {},
): Promise<SwarmAccess<O>> {
  const [{ cliTargets }, { resolveTargets, applyIdentityFiles }] = await Promise.all([
    import('./targets.js'),
    import('../../runtime/targets.js'),
  ]);
  const selecting =
    Boolean(o.words?.length) ||
    Boolean(cliOpts.nodes?.length) ||
    Boolean(cliOpts.role) ||
    Boolean(cliOpts.all);
  // fleet service's -a (ps --all) is not a host selection.
  const selection = o.select ? cliOpts : { ...cliOpts, all: undefined, role: undefined };
  const {
    targets,
    opts: picked,
    resolved,
  } = await cliTargets(selection, cmd, {
    words: o.words,
    defaultToAll: true,
    emptyHint: 'use -f nodes.yml (or FLEET_INVENTORY), or name a manager with -n ssh://HOST',
  });
  const opts = { ...picked, all: cliOpts.all } as O;
  let candidates = targets;
  if (resolved.inventory && o.select) {
    const all = await resolveTargets({ inventory: cliOpts.inventory, all: true }, undefined, {
      defaultToAll: true,
    });
    candidates = applyIdentityFiles(all.hosts, opts);
  } else if (o.select && selecting) {
    throw new FleetError('usage', 'fleet node needs nodes.yml to find the swarm managers', {
      hint: 'use -f nodes.yml or set FLEET_INVENTORY',
    });
  }
  return {
    candidates,
    selected: o.select && selecting ? targets : [],
    opts,
    warnings: resolved.warnings,
  };
}

/**
 * The action frame of commands that act on the selected nodes and read the swarm through the hosts
 * of nodes.yml (recovery, clean): the selection (every host of nodes.yml when none), a session with
 * view and Ctrl-C, the operation, the JSON report or `render`'s table on stdout, the exit code.
 */
export async function runOnSelectedNodes<O extends TargetCliOptions & SshCliOptions & RunKnobs, R>(
  cliOpts: O & { json?: boolean },
  cmd: Pick<Command, 'getOptionValueSource'>,
  o: { onInterrupt: string; render: (result: R) => string },
  op: (
    rt: Runtime,
    hosts: HostTarget[],
    candidates: HostTarget[],
    opts: O & { json?: boolean },
  ) => Promise<OperationResult<R>>,
): Promise<number> {
  const [{ runWithCli }, files, { handleError }] = await Promise.all([
    import('./run-command.js'),
    import('../../adapters/report-files.js'),
    import('./handle-error.js'),
  ]);
  const { candidates, selected, opts, warnings } = await swarmAccess(cliOpts, cmd, { select: true });
  const hosts = selected.length > 0 ? selected : candidates;
  const { result, error } = await runWithCli(
    opts,
    hosts,
    { json: opts.json, warnings, onInterrupt: o.onInterrupt },
    (rt) => op(rt, hosts, candidates, opts),
  );
  process.stdout.write(opts.json ? files.serializeReport(result) : o.render(result));
  return error ? handleError(error, false) : 0;
}
