/**
 * `fleet stack deploy | services | ps | rm`: compose stacks. deploy goes through a manager's docker CLI
 * over SSH (the Engine API has no stack endpoint); the rest use the API by the stack's label. The
 * operations are src/ops/stack/run.ts.
 */
import { Option, type Command } from 'commander';
import { parseSeconds, type SshCliOptions } from '../ssh-options.js';
import type { TargetCliOptions } from '../target-options.js';
import { addManagerOptions, SWARM_ACCESS_HELP } from '../swarm-access.js';
import { addWaitLockOption, CLUSTER_LOCK_HELP, type LockCliOptions } from '../cluster-lock-options.js';

interface StackCliOptions extends SshCliOptions, TargetCliOptions, LockCliOptions {
  json?: boolean;
  composeFile?: string;
  withRegistryAuth?: boolean;
  detach?: boolean;
  timeout: number;
  stuckTimeout: number;
}

const DEPLOY_HELP = `
deploy runs \`docker stack deploy -c - NAME\` on a manager over SSH with the compose file on stdin (the
manager needs the docker CLI; fleet says so when it lacks it), then waits until every service of the
stack runs, like fleet service create (exit 11 with the tasks' reason when one cannot). A compose file
that refers to local files (env_file, configs/secrets with file:) is refused before anything changes,
naming each one: the manager could not read them.`;

export function register(program: Command): void {
  const stack = program.command('stack').description('deploy, inspect and remove compose stacks');

  const deploy = addManagerOptions(stack.command('deploy').description('deploy a compose file as a stack'))
    .argument('<name>', 'stack name')
    .requiredOption('-c, --compose-file <file>', 'the compose file')
    .option('--with-registry-auth', "send the manager's registry credentials to the nodes")
    .option('-d, --detach', 'do not wait for the services to converge')
    .addOption(
      new Option('--timeout <seconds>', 'how long to wait').argParser(parseSeconds('--timeout')).default(300),
    )
    .addOption(
      new Option('--stuck-timeout <seconds>', 'give up when tasks keep failing this long')
        .argParser(parseSeconds('--stuck-timeout'))
        .default(20),
    )
    .option('--json', 'print the result as JSON');
  addWaitLockOption(deploy)
    .addHelpText('after', DEPLOY_HELP + SWARM_ACCESS_HELP + CLUSTER_LOCK_HELP)
    .action(async (name: string, opts: StackCliOptions, cmd: Command) => {
      process.exitCode = await stackAction('deploy', name, opts, cmd);
    });

  for (const kind of ['services', 'ps', 'rm'] as const) {
    const description = {
      services: "the stack's services with running/wanted tasks",
      ps: "the stack's running tasks",
      rm: "remove the stack's services",
    }[kind];
    const cmd = addManagerOptions(stack.command(kind).description(description))
      .argument('<name>', 'stack name')
      .option('--json', 'print the result as JSON');
    if (kind === 'rm') addWaitLockOption(cmd);
    cmd
      .addHelpText('after', SWARM_ACCESS_HELP)
      .action(async (name: string, opts: StackCliOptions, c: Command) => {
        process.exitCode = await stackAction(kind, name, opts, c);
      });
  }
}

async function stackAction(
  kind: 'deploy' | 'services' | 'ps' | 'rm',
  name: string,
  cliOpts: StackCliOptions,
  cmd: Command,
): Promise<number> {
  const [{ swarmAccess }, { runWithCli }, ops, { renderTable }, { readFile }, { FleetError }] =
    await Promise.all([
      import('../swarm-access.js'),
      import('../run-command.js'),
      import('../../../ops/stack/run.js'),
      import('../../../views/table.js'),
      import('node:fs/promises'),
      import('../../../core/errors.js'),
    ]);
  const { candidates, opts, warnings } = await swarmAccess(cliOpts, cmd);
  let compose = '';
  if (kind === 'deploy') {
    const file = opts.composeFile!;
    compose = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new FleetError('usage', `cannot read ${file}: ${err.code ?? err.message}`);
    });
  }
  const changes = kind === 'deploy' || kind === 'rm';
  const result = await runWithCli(
    opts,
    candidates,
    {
      json: opts.json,
      warnings,
      onInterrupt: 'stopping',
      lock: changes ? { command: `stack ${kind}`, opts } : undefined,
    },
    (rt) => {
      const base = { managers: candidates, name };
      if (kind === 'deploy') {
        return ops.deploy(
          {
            ...base,
            compose,
            composeFile: opts.composeFile!,
            withRegistryAuth: opts.withRegistryAuth,
            detach: opts.detach,
            timeoutMs: Math.round(opts.timeout * 1000),
            stuckMs: Math.round(opts.stuckTimeout * 1000),
          },
          rt,
        );
      }
      if (kind === 'rm') return ops.remove(base, rt);
      return ops.list({ ...base, tasks: kind === 'ps' }, rt);
    },
  );
  if (opts.json) {
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  } else if (kind === 'rm') {
    process.stdout.write(`removed ${result.removed?.join(', ')}\n`);
  } else if (kind === 'ps') {
    const rows = (result.tasks ?? []).map((t) => [t.name, t.node ?? '', t.state, t.error ?? '']);
    process.stdout.write(renderTable(['NAME', 'NODE', 'STATE', 'ERROR'], rows).join('\n') + '\n');
  } else {
    const rows = result.services.map((s) => [s.name, `${s.running}/${s.desired}`]);
    process.stdout.write(renderTable(['NAME', 'REPLICAS'], rows).join('\n') + '\n');
  }
  return 0;
}
