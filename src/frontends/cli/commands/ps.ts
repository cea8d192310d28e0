/**
 * `fleet ps [hosts…] [--json]`: the containers running on each host, with CPU and memory like
 * `docker stats --no-stream` (ops/ps/run.ts, views/ps.ts). Imports inside the action keep
 * `fleet --help` fast.
 */
import { Option, type Command } from 'commander';
import { addSshOptions, parseCount, SSH_OPTIONS_HELP, type SshCliOptions } from '../ssh-options.js';
import { addTargetOptions, TARGET_OPTIONS_HELP, type TargetCliOptions } from '../target-options.js';

export interface PsCliOptions extends SshCliOptions, TargetCliOptions {
  concurrency: number;
  json?: boolean;
  report?: string;
}

const PS_HELP = `
Asks every selected host's Docker engine (over SSH) for its running containers: name, image, state,
uptime, the node, and CPU % and memory as \`docker stats --no-stream\` shows them (two one-shot
stats samples 0.5 s apart on API 1.41+, the engine's own second sample on older engines).
--json prints the result as one document; every run also writes it as a report
(./reports/ps-<time>.json, or --report FILE).
${TARGET_OPTIONS_HELP}
${SSH_OPTIONS_HELP}
Exit codes: 0 every host answered; 3 some host could not be reached; 6 some engine failed.

Examples:
  fleet ps
  fleet ps -n 'agx-[01-04]' --json | jq '.containers[] | {node, name, cpuPct}'`;

export function register(program: Command): void {
  const cmd = program
    .command('ps')
    .description('containers running on the hosts, with CPU and memory, like docker ps + docker stats')
    .argument('[hosts...]', 'hosts (same syntax as -n); default: every node in nodes.yml');
  addTargetOptions(cmd);
  addSshOptions(cmd);
  cmd
    .addOption(
      new Option('-c, --concurrency <n>', 'hosts asked at once')
        .env('FLEET_MAX_JOBS')
        .argParser(parseCount('--concurrency', { min: 1 }))
        .default(32),
    )
    .option('--json', 'print the result as one JSON document')
    .option('--report <file>', 'write the JSON report here instead of ./reports/ps-<time>.json')
    .addHelpText('after', PS_HELP)
    .action(async (words: string[], cliOpts: PsCliOptions, command: Command) => {
      const [{ run }, { runWithCli }, { cliTargets }, view] = await Promise.all([
        import('../../../ops/ps/run.js'),
        import('../run-command.js'),
        import('../targets.js'),
        import('../../../views/ps.js'),
      ]);
      const { targets, opts, resolved } = await cliTargets(cliOpts, command, {
        words,
        defaultToAll: true,
        emptyHint: 'name hosts, use -n HOSTS or --all',
      });
      for (const warning of resolved.warnings) process.stderr.write(`fleet: ${warning}\n`);
      const result = await runWithCli(opts, targets, { view: false, onInterrupt: 'stopping' }, async (rt) => {
        const started = new Date();
        const r = await run({ hosts: targets, concurrency: opts.concurrency }, rt);
        await rt.writeReport('ps', view.psJsonValue(r), started, opts.report);
        return r;
      });
      process.stdout.write(
        opts.json ? JSON.stringify(view.psJsonValue(result), null, 2) + '\n' : view.psTable(result),
      );
      const { text, exitCode } = view.psFailures(result);
      process.stderr.write(text);
      process.exitCode = exitCode;
    });
}
