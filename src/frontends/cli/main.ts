/**
 * Command-line entry. Each command lives in src/frontends/cli/commands/<name>.ts and exports `register`.
 * Command files import heavy modules (ssh2, dockerode, the S3 client) lazily inside their action so
 * that `fleet --version` and `fleet --help` start fast.
 */
import { Command, CommanderError } from 'commander';
import { BUILD_INFO } from '../../core/build-info.js';
import { FleetError } from '../../core/errors.js';
import { handleError } from './handle-error.js';
import { commands } from './commands/index.js';

export const EXIT_CODE_HELP = `
Exit codes:
  0    everything succeeded
  1    a remote command exited non-zero on some host
  2    usage or input error (flags, nodes.yml, unknown hosts)
  3    a host was unreachable, refused authentication, had a bad host key, or a step on it
       ran past its deadline
  4    partial: some hosts failed, the others succeeded (up, backup, reboot, rollout, bootstrap)
  5    refused or stopped to keep swarm quorum (also reboot --all-at-once, bootstrap)
  6    the Docker Engine API failed (refused a request, or stopped answering while its host did)
  7    backup storage (S3 or folder) failed
  8    a checksum did not match (restore refuses; push and pull keep the old file)
  9    locked: another fleet run holds the cluster lock, or a detached backup job runs (up, down,
       backup, restore; --wait-lock waits instead)
  10   degraded (status): a node down or unreachable, quorum margin 0, or a service below its
       replicas
  11   a service did not converge (service create/update/scale/rollback, node drain): the
       reason from the tasks' status is printed (no suitable node, image not found, …)
  130  interrupted (Ctrl-C; a second Ctrl-C exits at once); a report is still written
`;

export function buildProgram(): Command {
  const program = new Command('fleet')
    .description('Turn SSH-reachable Linux machines into a verified Docker Swarm, then operate them.')
    .version(`${BUILD_INFO.version} (${BUILD_INFO.commit})`, '-V, --version')
    .option('--debug', 'print the cause chain of errors')
    .addHelpText('after', EXIT_CODE_HELP)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const register of commands) register(program);
  return program;
}

/** `fleet exec … | head` closes our stdout early: that is the reader's choice, not a failure. */
function exitQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
}

export async function main(argv: string[]): Promise<number> {
  exitQuietlyOnClosedPipe();
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit through here with code 0.
      if (err.exitCode === 0) return 0;
      return 2;
    }
    if (err instanceof FleetError || err instanceof Error) {
      return handleError(err, Boolean(program.opts().debug));
    }
    return handleError(err, true);
  }
}
