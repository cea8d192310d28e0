/**
 * `fleet status [hosts…] [--json] [--watch [--interval S]]`: is the fleet healthy? The operation is
 * ops/status/run.ts, the screen views/status.ts. Exit 0 healthy, 10 degraded. Everything heavy is
 * imported inside the action so `fleet --help` stays fast.
 */
import { Option, type Command } from 'commander';
import { EXIT_CODES, toFleetError } from '../../../core/errors.js';
import type { StatusResult } from '../../../ops/status/run.js';
import type { Runtime } from '../../../runtime/types.js';
import {
  addSshOptions,
  parseCount,
  parseSeconds,
  SSH_OPTIONS_HELP,
  type SshCliOptions,
} from '../ssh-options.js';
import { addTargetOptions, TARGET_OPTIONS_HELP, type TargetCliOptions } from '../target-options.js';

export interface StatusCliOptions extends SshCliOptions, TargetCliOptions {
  concurrency: number;
  json?: boolean;
  watch?: boolean;
  interval: number;
  report?: string;
}

const STATUS_HELP = `
Shows the swarm's nodes (role, state, availability, manager reachability) joined with live metrics
from each host (remote/host-metrics.sh: CPU, memory, disk of / or Docker's data-root, GPU utilisation
and temperature from nvidia-smi or tegrastats, running tasks), the services with replicas running vs
desired, and the quorum in words. The swarm is read through the leader, or any manager that answers.
A host unreachable over SSH still shows its swarm state, marked in the NOTE column.

status is a quick look: by default it does not retry connections (--retries 0) and gives each host
5 s to connect, so one unreachable host costs seconds, not half a minute.
--json prints the result as one document (schema/status.schema.json); every run (not --watch)
also writes it as a report (./reports/status-<time>.json, or --report FILE).
${TARGET_OPTIONS_HELP}
${SSH_OPTIONS_HELP}
Exit codes:
  0    healthy
  10   degraded: a node not ready or unreachable (SSH or its engine), a manager unreachable,
       quorum lost or at margin 0, or a service below its replicas
  2    usage or input error;  3 / 5 / 6 no manager answered (unreachable / no quorum / Docker)
  130  interrupted

Examples:
  fleet status
  fleet status --json | jq '.nodes[] | select(.state != "ready")'
  fleet status --watch --interval 5`;

export function register(program: Command): void {
  const cmd = program
    .command('status')
    .description(
      'one screen: is the fleet healthy? nodes, host metrics, services, quorum (exit 10 when degraded)',
    )
    .argument('[hosts...]', 'hosts to probe (same syntax as -n); default: every node in nodes.yml');
  addTargetOptions(cmd);
  addSshOptions(cmd);
  quickConnectDefaults(cmd);
  cmd
    .addOption(
      new Option('-c, --concurrency <n>', 'hosts probed at once')
        .env('FLEET_MAX_JOBS')
        .argParser(parseCount('--concurrency', { min: 1 }))
        .default(32),
    )
    .option('--json', 'print the result as one JSON document')
    .option('--watch', 'redraw every --interval seconds until Ctrl-C (in place on a terminal)')
    .addOption(
      new Option('--interval <seconds>', 'seconds between --watch rounds')
        .argParser(parseSeconds('--interval'))
        .default(2),
    )
    .option('--report <file>', 'write the JSON report here instead of ./reports/status-<time>.json')
    .addHelpText('after', STATUS_HELP)
    .action(async (words: string[], opts: StatusCliOptions, command: Command) => {
      process.exitCode = await statusAction(words, opts, command);
    });
}

/**
 * A quick look: status does not retry connections and gives each host 5 s (flags, FLEET_* and
 * nodes.yml defaults still win), so one unreachable host costs seconds, not half a minute.
 */
function quickConnectDefaults(cmd: Command): void {
  for (const option of cmd.options) {
    if (option.long === '--retries') option.default(0);
    if (option.long === '--connect-timeout') option.default(5);
  }
}

async function statusAction(
  words: string[],
  cliOpts: StatusCliOptions,
  cmd: Pick<Command, 'getOptionValueSource'>,
): Promise<number> {
  const [{ run }, { runWithCli }, { cliTargets }, view, { sleep }] = await Promise.all([
    import('../../../ops/status/run.js'),
    import('../run-command.js'),
    import('../targets.js'),
    import('../../../views/status.js'),
    import('../../../core/poll.js'),
  ]);
  const { targets, opts, resolved } = await cliTargets(cliOpts, cmd, {
    words,
    defaultToAll: true,
    emptyHint: 'name hosts, use -n HOSTS or --all',
  });
  for (const warning of resolved.warnings) process.stderr.write(`fleet: ${warning}\n`);
  const tty = Boolean(process.stdout.isTTY);
  const color = tty && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
  const input = { hosts: targets, concurrency: opts.concurrency, sudo: opts.sudo };
  const exitCode = (r: StatusResult): number => (r.verdict.healthy ? 0 : EXIT_CODES.degraded);
  const show = (r: StatusResult): string =>
    opts.json
      ? view.statusJson(r)
      : view.renderStatus(r, { color, width: tty ? process.stdout.columns : undefined });

  return runWithCli(
    opts,
    targets,
    { view: false, onInterrupt: opts.watch ? 'ending the watch' : 'stopping' },
    async (rt: Runtime) => {
      rt.bus.subscribe((e) => {
        if (e.type === 'log' && e.level === 'warn') {
          process.stderr.write(`fleet: ${e.host ? `${e.host}: ` : ''}${e.message}\n`);
        }
      });
      if (!opts.watch) {
        const started = new Date();
        const result = await run(input, rt);
        // Done with the hosts: their SSH goodbyes overlap writing the report and the screen.
        await rt.releasePool();
        await rt.writeReport('status', result, started, opts.report);
        process.stdout.write(show(result));
        return exitCode(result);
      }
      let code = 0;
      while (!rt.signal.aborted) {
        // A round that fails (no manager answers right now) is shown and the watch goes on.
        const round = await run(input, rt).then(
          (result) => ({ result, screen: show(result) }),
          (err: unknown) => ({ result: undefined, screen: `fleet: ${toFleetError(err).message}\n`, err }),
        );
        if (rt.signal.aborted) break;
        code = round.result ? exitCode(round.result) : toFleetError(round.err).exitCode;
        // In place on a terminal (home, clear below); a pipe gets one screen after another.
        process.stdout.write(tty && !opts.json ? `\x1b[H\x1b[J${round.screen}` : `${round.screen}\n`);
        await sleep(opts.interval * 1000, rt.signal);
      }
      return code;
    },
  );
}
