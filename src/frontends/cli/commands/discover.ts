/** `fleet discover --cidr RANGE`: find SSH hosts, read their facts, write a draft nodes.yml. */
import { Option, type Command } from 'commander';
import { redact } from '../../../core/redact.js';
import type { EventBus } from '../../../runtime/events.js';
import {
  addSshOptions,
  parseCount,
  parseSeconds,
  sshSettingsFromOptions,
  SSH_OPTIONS_HELP,
  type SshCliOptions,
} from '../ssh-options.js';

export interface DiscoverCliOptions extends SshCliOptions {
  cidr: string;
  output?: string;
  overwrite?: boolean;
  force?: boolean;
  user?: string;
  port?: number;
  scanTimeout?: number;
  scanConcurrency?: number;
}

/** discover's progress lines go to stderr as they happen, secrets redacted (its only view). */
async function stderrBus(): Promise<EventBus> {
  const { EventBus } = await import('../../../runtime/events.js');
  const bus = new EventBus();
  bus.subscribe((e) => {
    if (e.type === 'log' && e.level === 'info') process.stderr.write(redact(e.message) + '\n');
  });
  return bus;
}

async function discoverAction(opts: DiscoverCliOptions): Promise<number> {
  const { run } = await import('../../../ops/discover/run.js');
  const { hosts, path } = await run(
    { ...opts, ssh: () => sshSettingsFromOptions(opts) },
    { bus: await stderrBus() },
  );
  const ok = hosts.filter((h) => !h.error);
  process.stdout.write(
    `wrote ${path}: ${ok.length} hosts${hosts.length > ok.length ? `, ${hosts.length - ok.length} not reachable by SSH login (listed in it as comments)` : ''}\n`,
  );
  if (hosts.length === 0) return 3;
  return ok.length === hosts.length ? 0 : 4;
}

/**
 * For `fleet up --discover CIDR`: writes the draft (default nodes.discovered.yml) and returns its
 * path; progress on stderr as for `fleet discover`.
 */
export async function discoverToInventory(
  cidr: string,
  opts: SshCliOptions & { inventory?: string; force?: boolean },
): Promise<string> {
  const ops = await import('../../../ops/discover/run.js');
  return ops.discoverToInventory(
    { cidr, inventory: opts.inventory, identity: opts.identity, ssh: () => sshSettingsFromOptions(opts) },
    { bus: await stderrBus() },
  );
}

export function register(program: Command): void {
  const cmd = program
    .command('discover')
    .description('scan an address range for SSH hosts and write a draft nodes.yml from their facts');
  addSshOptions(cmd)
    .requiredOption('--cidr <range>', 'IPv4 range to scan, e.g. 10.77.14.0/24 (only this range is contacted)')
    .option('-o, --output <file>', 'where to write the draft', 'nodes.yml')
    .option('--overwrite', 'replace the output file if it exists')
    .option('--force', 'allow ranges larger than /16')
    .option('--user <user>', 'login user (default: ~/.ssh/config, else your user name)')
    .addOption(new Option('--port <port>', 'SSH port').argParser(parseCount('--port', { min: 1 })))
    .addOption(
      new Option('--scan-timeout <seconds>', 'TCP connect + banner timeout per address')
        .argParser(parseSeconds('--scan-timeout'))
        .default(1),
    )
    .addOption(
      new Option('--scan-concurrency <n>', 'addresses probed at once')
        .argParser(parseCount('--scan-concurrency', { min: 1 }))
        .default(128),
    )
    .addHelpText(
      'after',
      `\nExit codes: 0 every SSH host was added; 3 none found; 4 some could not be logged into.\n${SSH_OPTIONS_HELP}`,
    )
    .action(async (opts: DiscoverCliOptions) => {
      process.exitCode = await discoverAction(opts);
    });
}
