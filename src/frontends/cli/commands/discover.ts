/** `fleet discover --cidr RANGE`: find SSH hosts, read their facts, write a draft nodes.yml. */
import { Option, type Command } from 'commander';
import { addSshOptions, parseCount, parseSeconds, SSH_OPTIONS_HELP } from '../ssh-options.js';
import type { DiscoverOptions } from '../../../ops/discover/run.js';

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
    .action(async (opts: DiscoverOptions) => {
      const { discoverAction } = await import('../../../ops/discover/run.js');
      process.exitCode = await discoverAction(opts);
    });
}
