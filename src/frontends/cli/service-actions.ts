/**
 * What `fleet service` does once commander has parsed its flags: ls/ps, the changes (create, update,
 * scale, rollback, rm) and logs. The flags themselves are in commands/service.ts.
 */
import type { Command } from 'commander';
import type { OperationResult } from '../../runtime/types.js';
import type { ServiceChangeReport } from '../../ops/service/report.js';
import type { SshCliOptions } from './ssh-options.js';
import type { TargetCliOptions } from './target-options.js';

export interface ServiceCliOptions extends SshCliOptions, TargetCliOptions {
  json?: boolean;
  report?: string;
  detach?: boolean;
  timeout: number;
  stuckTimeout: number;
  [key: string]: unknown;
}

export async function listAction(
  kind: 'ls' | 'ps',
  names: string[],
  cliOpts: ServiceCliOptions,
  cmd: Command,
): Promise<number> {
  const [{ swarmAccess }, { runWithCli }, ls, files, view] = await Promise.all([
    import('./swarm-access.js'),
    import('./run-command.js'),
    import('../../ops/service/ls.js'),
    import('../../adapters/report-files.js'),
    import('../../views/service.js'),
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

export async function changeAction(
  kind: 'create' | 'update' | 'scale' | 'rollback' | 'rm',
  arg: string,
  cliOpts: ServiceCliOptions,
  cmd: Command,
  command: string[] = [],
): Promise<number> {
  const [{ swarmAccess }, { runWithCli }, files, { FleetError }, { resolveSwarmNetwork }] = await Promise.all(
    [
      import('./swarm-access.js'),
      import('./run-command.js'),
      import('../../adapters/report-files.js'),
      import('../../core/errors.js'),
      import('../../core/config.js'),
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
  let op: (rt: import('../../runtime/types.js').Runtime) => Promise<OperationResult<ServiceChangeReport>>;
  if (kind === 'create') {
    let network = o.network as string | undefined;
    if (network === undefined) {
      const { loadInventory } = await import('../../runtime/targets.js');
      network = resolveSwarmNetwork(
        (await loadInventory({ inventory: opts.inventory })).inventory?.defaults,
      ).name;
    }
    const { run } = await import('../../ops/service/create.js');
    op = (rt) => run({ ...wait, name: arg, flags: { ...flags, network, command } }, rt);
  } else if (kind === 'rm') {
    const { run } = await import('../../ops/service/rm.js');
    op = (rt) => run({ ...wait, service: arg }, rt);
  } else {
    const { run } = await import('../../ops/service/update.js');
    let service = arg;
    let mode: import('../../ops/service/update.js').ServiceUpdateMode;
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

export async function logsAction(
  name: string,
  cliOpts: ServiceCliOptions & { follow?: boolean; tail?: number; since?: string; timestamps?: boolean },
  cmd: Command,
): Promise<number> {
  const [{ swarmAccess }, { runWithCli }, { run }, { parseSince }] = await Promise.all([
    import('./swarm-access.js'),
    import('./run-command.js'),
    import('../../ops/service/logs.js'),
    import('../../core/service-spec.js'),
  ]);
  const { candidates, opts, warnings } = await swarmAccess(cliOpts, cmd);
  const since = opts.since === undefined ? undefined : parseSince(opts.since, Date.now());
  const result = await runWithCli(
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
  // Ctrl-C is how a followed log ends: cleanly, but with the shell's convention for it.
  return result.interrupted ? 130 : 0;
}
