/**
 * `fleet mcp`: serve the fleet's operations as MCP tools over stdio (src/frontends/mcp). Read-only
 * unless --allow-write; exec and destructive tools need their own flag too. --print-config prints the
 * client snippet instead. Everything heavy is imported inside the action so `fleet --help` stays fast.
 */
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { FleetError } from '../../../core/errors.js';
import { addSshOptions, parseCount, SSH_OPTIONS_HELP, type SshCliOptions } from '../ssh-options.js';

export interface McpCliOptions extends SshCliOptions {
  inventory?: string;
  allowWrite?: boolean;
  allowExec?: boolean;
  allowDestructive?: boolean;
  execAllow: string[];
  audit?: string;
  printConfig?: boolean;
  concurrency: number;
}

const MCP_HELP = `
An MCP server on stdin/stdout for AI agents (Claude Code, Claude Desktop, any MCP client). Its tools
run the same operations as the commands (fleet_status, fleet_node_list, fleet_docker_ps, …) on the
hosts of nodes.yml only.

Safety:
  read-only by default: status, nodes, containers, logs, facts, services, backups, wait, network scan
  --allow-write        also create/scale services, deploy stacks, back up, activate nodes
  --allow-exec         with --allow-write: fleet_node_exec (always a timeout, default 60 s; the remote
                       process is killed at its end)
  --exec-allow PAT     only commands matching a pattern run (repeatable; * and ? as in sh; a command
                       with ; && | $( ) \` > < or a newline matches only a pattern spelling them)
  --allow-destructive  with --allow-write: fleet_service_rm, fleet_node_drain
  Tools that are not allowed are not listed. Nothing is ever asked (stdin is the protocol): where the
  CLI would ask, the tool refuses with the reason and the argument that confirms.
  Every call is appended to the audit log (JSON lines, never a secret): ./reports/mcp-audit.jsonl,
  or --audit FILE. Each host's output comes back cut to 8 KiB per stream; every byte is in the
  call's folder under ./reports; report copies are reports/last-mcp-<command>.json (never the CLI's
  last-exec.json).
  fleet_status answers from a cluster observer started by its first call (a round every 2 s; an
  answer at most 10 s old and never from before a change; fresh: true waits for a new round).
  Passwords only from the environment (FLEET_SSH_PASSWORD, FLEET_SUDO_PASSWORD, AWS_*).
${SSH_OPTIONS_HELP}
Examples:
  fleet mcp --print-config -f /etc/fleet/nodes.yml
  claude mcp add fleet -- fleet mcp -f /etc/fleet/nodes.yml --allow-write
  fleet mcp -f nodes.yml --allow-write --allow-exec --exec-allow 'nvidia-smi*' --exec-allow 'docker ps*'`;

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function register(program: Command): void {
  const cmd = program
    .command('mcp')
    .description('serve the fleet as tools for AI agents (MCP over stdio), read-only unless allowed')
    .option('-f, --inventory <file>', 'nodes.yml to use (default: $FLEET_INVENTORY, else ./nodes.yml)')
    .option('--allow-write', 'list the tools that change the cluster')
    .option('--allow-exec', 'with --allow-write: list fleet_node_exec')
    .option('--allow-destructive', 'with --allow-write: list fleet_service_rm and fleet_node_drain')
    .option('--exec-allow <pattern>', 'only commands matching this pattern run (repeatable)', collect, [])
    .option('--audit <file>', 'audit log (default ./reports/mcp-audit.jsonl)')
    .option(
      '--print-config',
      'print the JSON that adds this server to Claude Code / Claude Desktop, and exit',
    )
    .addOption(
      new Option('-c, --concurrency <n>', 'hosts at once per call')
        .env('FLEET_MAX_JOBS')
        .argParser(parseCount('--concurrency', { min: 1 }))
        .default(32),
    );
  addSshOptions(cmd);
  cmd.addHelpText('after', MCP_HELP).action(async (opts: McpCliOptions) => {
    process.exitCode = await mcpAction(opts);
  });
}

/** The flags that matter for a client's launch line, as the server should get them again. */
function serverArgs(opts: McpCliOptions): string[] {
  const args: string[] = [];
  if (opts.inventory) args.push('-f', resolve(opts.inventory));
  if (opts.allowWrite) args.push('--allow-write');
  if (opts.allowExec) args.push('--allow-exec');
  if (opts.allowDestructive) args.push('--allow-destructive');
  for (const p of opts.execAllow) args.push('--exec-allow', p);
  if (opts.audit) args.push('--audit', resolve(opts.audit));
  if (opts.knownHosts) args.push('--known-hosts', resolve(opts.knownHosts));
  for (const i of opts.identity ?? []) args.push('-i', resolve(i));
  if (opts.sudo) args.push('--sudo');
  return args;
}

function checkFlags(opts: McpCliOptions): void {
  if ((opts.allowExec || opts.allowDestructive) && !opts.allowWrite) {
    throw new FleetError(
      'usage',
      `${opts.allowExec ? '--allow-exec' : '--allow-destructive'} needs --allow-write`,
      {
        hint: 'fleet mcp is read-only unless --allow-write; exec and destructive tools need their own flag on top',
      },
    );
  }
  if (opts.execAllow.length > 0 && !opts.allowExec) {
    throw new FleetError('usage', '--exec-allow needs --allow-exec (and --allow-write)');
  }
  if (opts.askPass) {
    throw new FleetError('usage', 'fleet mcp cannot ask for a password: stdin is the MCP protocol', {
      hint: 'set FLEET_SSH_PASSWORD instead',
    });
  }
}

async function mcpAction(opts: McpCliOptions): Promise<number> {
  checkFlags(opts);
  const [{ mcpClientConfig, selfLaunch }, { BUILD_INFO }] = await Promise.all([
    import('../../mcp/client-config.js'),
    import('../../../core/build-info.js'),
  ]);
  if (opts.printConfig) {
    const sea = process.getBuiltinModule?.('node:sea') as { isSea(): boolean } | undefined;
    const self = selfLaunch({
      execPath: process.execPath,
      script: process.argv[1] ? resolve(process.argv[1]) : undefined,
      isSea: Boolean(sea?.isSea()),
    });
    process.stdout.write(mcpClientConfig(self, serverArgs(opts)));
    return 0;
  }
  const [
    { serveStdio },
    { sshSettingsFromOptions, sudoPasswordFromOptions },
    { loadInventory, resolveTargets },
  ] = await Promise.all([
    import('../../mcp/server.js'),
    import('../ssh-options.js'),
    import('../../../runtime/targets.js'),
  ]);
  // Fail now, with a line on stderr, when nodes.yml is missing or invalid: every tool needs it.
  const { inventory } = await loadInventory({ inventory: opts.inventory });
  if (!inventory) {
    throw new FleetError('usage', 'fleet mcp needs nodes.yml: tools act only on hosts of the inventory', {
      hint: 'use -f nodes.yml (or set FLEET_INVENTORY)',
    });
  }
  const all = await resolveTargets({ inventory: opts.inventory, all: true }, undefined, {
    defaultToAll: true,
  });
  const { REPORTS_DIR } = await import('../../../adapters/report-files.js');
  await serveStdio({
    config: {
      inventory: opts.inventory,
      identity: opts.identity,
      sudo: Boolean(opts.sudo),
      allowWrite: Boolean(opts.allowWrite),
      allowExec: Boolean(opts.allowExec),
      allowDestructive: Boolean(opts.allowDestructive),
      execAllow: opts.execAllow,
      concurrency: opts.concurrency,
      env: process.env,
      version: BUILD_INFO.version,
    },
    ssh: await sshSettingsFromOptions(opts),
    sudoPassword: await sudoPasswordFromOptions(opts, all.hosts),
    auditPath: opts.audit ?? `${REPORTS_DIR}/mcp-audit.jsonl`,
    log: (message) => process.stderr.write(`${message}\n`),
  });
  // The client closed stdin and every call has ended: leave now, whatever timer a library still holds.
  process.exit(0);
}
