/**
 * `fleet stack deploy | ls | services | ps | rm`: compose stacks. deploy goes through a manager's
 * docker CLI over SSH (the Engine API has no stack endpoint); the rest use the API by the stack's
 * label. The operations are src/ops/stack/ (deploy.ts, run.ts).
 */
import { Option, type Command } from 'commander';
import { parseSeconds, type SshCliOptions } from '../ssh-options.js';
import type { TargetCliOptions } from '../target-options.js';
import { addManagerOptions, SWARM_ACCESS_HELP } from '../swarm-access.js';
import { addWaitLockOption, CLUSTER_LOCK_HELP, type LockCliOptions } from '../cluster-lock-options.js';

interface StackCliOptions extends SshCliOptions, TargetCliOptions, LockCliOptions {
  json?: boolean;
  report?: string;
  composeFile?: string;
  withRegistryAuth?: boolean;
  detach?: boolean;
  timeout: number;
  stuckTimeout: number;
}

const DEPLOY_HELP = `
deploy runs \`docker stack deploy -c - NAME\` on a manager over SSH with the compose file on stdin (the
manager needs the docker CLI; fleet says so when it lacks it), then waits until every service of the
stack runs, like fleet service create (exit 11 with the tasks' reason when one cannot).

Files the compose file names are read here, as docker would read them (relative paths from the
compose file's folder): each env_file is folded into the service's environment (later files win, the
service's own environment: wins over all, a bare KEY is taken from this machine's environment), and
configs/secrets with file: are copied (sha256-checked) into a temp folder on the manager, which is
removed after the deploy. A file that cannot be read is refused, naming each one, before anything
changes (exit 2). Relative bind-mount sources are not rewritten: the manager resolves them.`;

const RM_HELP = `
rm removes what docker stack rm does, in its order: the stack's services, secrets, configs, then its
networks (asked again while the removed services' tasks still hold them, up to --timeout).`;

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
    .option('--json', 'print the result as JSON')
    .option('--report <file>', 'write the JSON report here instead of ./reports/stack-deploy-<time>.json');
  addWaitLockOption(deploy)
    .addHelpText('after', DEPLOY_HELP + SWARM_ACCESS_HELP + CLUSTER_LOCK_HELP)
    .action(async (name: string, opts: StackCliOptions, cmd: Command) => {
      process.exitCode = await stackAction('deploy', name, opts, cmd);
    });

  for (const kind of ['ls', 'services', 'ps', 'rm'] as const) {
    const description = {
      ls: 'the stacks in the swarm, with their service counts',
      services: "the stack's services with running/wanted tasks",
      ps: "the stack's running tasks",
      rm: "remove the stack's services, secrets, configs and networks",
    }[kind];
    let cmd = addManagerOptions(stack.command(kind).description(description));
    if (kind !== 'ls') cmd = cmd.argument('<name>', 'stack name');
    cmd
      .option('--json', 'print the result as JSON')
      .option('--report <file>', `write the JSON report here instead of ./reports/stack-${kind}-<time>.json`);
    if (kind === 'rm') {
      cmd.addOption(
        new Option('--timeout <seconds>', 'how long to wait for the networks to be released')
          .argParser(parseSeconds('--timeout'))
          .default(60),
      );
      addWaitLockOption(cmd);
    }
    cmd
      .addHelpText('after', (kind === 'rm' ? RM_HELP : '') + SWARM_ACCESS_HELP)
      .action(async (...args: unknown[]) => {
        // ls takes no <name>: commander then passes (opts, cmd).
        const [name, opts, c] = (kind === 'ls' ? ['', ...args] : args) as [string, StackCliOptions, Command];
        process.exitCode = await stackAction(kind, name, opts, c);
      });
  }
}

async function stackAction(
  kind: 'deploy' | 'ls' | 'services' | 'ps' | 'rm',
  name: string,
  cliOpts: StackCliOptions,
  cmd: Command,
): Promise<number> {
  const [{ swarmAccess }, { runWithCli }, ops, { renderTable }, { readFile }, { FleetError }, files] =
    await Promise.all([
      import('../swarm-access.js'),
      import('../run-command.js'),
      import('../../../ops/stack/run.js'),
      import('../../../views/table.js'),
      import('node:fs/promises'),
      import('../../../core/errors.js'),
      import('../../../adapters/report-files.js'),
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
  const { result, error } = await runWithCli(
    opts,
    candidates,
    {
      json: opts.json,
      warnings,
      onInterrupt: 'stopping, writing the report',
      lock: changes ? { command: `stack ${kind}`, opts } : undefined,
    },
    (rt) => {
      const base = { managers: candidates, name, reportPath: opts.report };
      if (kind === 'deploy') {
        return ops.deploy(
          {
            ...base,
            compose,
            composeFile: opts.composeFile!,
            lookupEnv: (key) => process.env[key],
            withRegistryAuth: opts.withRegistryAuth,
            detach: opts.detach,
            timeoutMs: Math.round(opts.timeout * 1000),
            stuckMs: Math.round(opts.stuckTimeout * 1000),
          },
          rt,
        );
      }
      if (kind === 'rm') return ops.remove({ ...base, timeoutMs: Math.round(opts.timeout * 1000) }, rt);
      if (kind === 'ls') return ops.ls(base, rt);
      return ops.list({ ...base, tasks: kind === 'ps' }, rt);
    },
  );
  if (opts.json) {
    process.stdout.write(files.serializeReport(result));
  } else if (!error) {
    process.stdout.write(renderStack(kind, result, renderTable));
  }
  if (error) throw error;
  return 0;
}

function renderStack(
  kind: string,
  result: import('../../../ops/stack/run.js').StackReport,
  renderTable: (head: string[], rows: string[][]) => string[],
): string {
  if (kind === 'rm') {
    const r = result.removed!;
    const parts = [...r.services, ...r.secrets, ...r.configs, ...r.networks];
    return `removed ${parts.join(', ')}\n`;
  }
  if (kind === 'ls') {
    const rows = (result.stacks ?? []).map((s) => [s.name, String(s.services)]);
    return renderTable(['NAME', 'SERVICES'], rows).join('\n') + '\n';
  }
  if (kind === 'ps') {
    const rows = (result.tasks ?? []).map((t) => [t.name, t.node ?? '', t.state, t.error ?? '']);
    return renderTable(['NAME', 'NODE', 'STATE', 'ERROR'], rows).join('\n') + '\n';
  }
  const rows = result.services.map((s) => [s.name, `${s.running}/${s.desired}`]);
  return renderTable(['NAME', 'REPLICAS'], rows).join('\n') + '\n';
}
