/** `fleet down`: every selected host leaves this cluster's swarm (workers, managers, leader last). */
import type { Command } from 'commander';
import { addWaitLockOption, CLUSTER_LOCK_HELP } from '../cluster-lock-options.js';
import { addSwarmOptions, runSwarmCommand, UNUSED_SWARM_DEFAULTS, type SwarmCliOptions } from './up.js';

export function register(program: Command): void {
  const down = program
    .command('down')
    .description('leave the swarm on every host: workers first, leader last');
  addSwarmOptions(down, 'down');
  addWaitLockOption(down)
    .addHelpText('after', CLUSTER_LOCK_HELP)
    .option('--dry-run', 'print what would change, change nothing')
    .addHelpText(
      'after',
      '\nAsks for confirmation on a terminal; --yes skips it (required without a terminal).\n' +
        'Managers are demoted one at a time before leaving, so quorum holds until the leader goes last.\n' +
        'Hosts in another swarm are left alone unless --force.',
    )
    .action(async (opts: SwarmCliOptions, command: Command) => {
      process.exitCode = await runSwarmCommand('down', { ...UNUSED_SWARM_DEFAULTS, ...opts }, command);
    });
}
