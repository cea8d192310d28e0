/**
 * `fleet ui`: the web view (src/frontends/ui). Serves the embedded page on 127.0.0.1 and prints a URL
 * with a one-time token; runs until Ctrl-C. Listening elsewhere needs TLS or an explicit --insecure.
 */
import { Option, type Command } from 'commander';
import { addStoreOptions, type StoreCliOptions } from '../backup-options.js';
import { addSshOptions, parseCount, SSH_OPTIONS_HELP, type SshCliOptions } from '../ssh-options.js';
import type { TargetCliOptions } from '../target-options.js';

interface UiCliOptions extends SshCliOptions, TargetCliOptions, StoreCliOptions {
  port: number;
  listen: string;
  open?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  insecure?: boolean;
}

const UI_HELP = `
Opens one SSH session to the fleet and keeps it: every few seconds it gathers what fleet status
gathers and pushes the changes to the page. The page shows every node of nodes.yml as a card, its
details and actions (drain, activate, promote, demote, label, remove: the same operations and safety
checks as fleet node; a backup of the node as fleet backup -n NODE), the services (scale, update
image, create, stack deploy, logs), the backups in the store (what each holds; restore with fleet
restore's checks, its question asked in the page), batch exec on a selection (shift-click or drag a
box on the canvas), and terminals on the nodes.

Backups: the store is the one fleet backup uses: --to / --s3-endpoint / --s3-region, else
FLEET_BACKUP_TO / FLEET_S3_*, else nodes.yml defaults.backup, else ./backups. S3 keys come only from
AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) in fleet ui's environment.

Access: the URL printed carries a one-time token; the page then holds a session cookie. Every
request needs it, and changes and terminals also need the page's own Origin.
It listens on 127.0.0.1 only. To use a UI running on the Spark from your laptop, keep it on loopback
and forward it:  ssh -L 8080:127.0.0.1:8080 spark  then open the printed URL with localhost:8080.
--listen ADDR serves other machines: it needs --tls-cert/--tls-key, or generates a certificate and
prints its SHA-256 fingerprint; --insecure serves plain HTTP there (anyone on the path sees the token).
${SSH_OPTIONS_HELP}
Exit codes: 0 stopped with Ctrl-C; 2 usage error (flags, nodes.yml, TLS files); 3 the port is taken.

Examples:
  fleet ui
  fleet ui -f nodes.yml --port 8080 --open
  fleet ui --listen 10.0.0.5 --tls-cert ui.pem --tls-key ui.key`;

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

export function register(program: Command): void {
  const cmd = program
    .command('ui')
    .description('a live view of the fleet in the browser: nodes, services, actions, batch exec, terminals')
    .option('-f, --inventory <file>', 'nodes.yml to use (default: $FLEET_INVENTORY, else ./nodes.yml)');
  addSshOptions(cmd);
  addStoreOptions(cmd);
  cmd
    .addOption(
      new Option('--port <n>', 'port to listen on (0: any free port)')
        .argParser(parseCount('--port'))
        .default(8080),
    )
    .option(
      '--listen <addr>',
      'address to listen on (default 127.0.0.1; anything else needs TLS or --insecure)',
      '127.0.0.1',
    )
    .option('--open', 'open the URL in the default browser')
    .option('--tls-cert <file>', 'PEM certificate to serve HTTPS with')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option('--insecure', 'allow plain HTTP on a non-loopback --listen address')
    .addHelpText('after', UI_HELP)
    .action(async (opts: UiCliOptions, command: Command) => {
      process.exitCode = await uiAction(opts, command);
    });
}

async function uiAction(cliOpts: UiCliOptions, cmd: Command): Promise<number> {
  const [{ FleetError }, { swarmAccess }, ssh, { loadInventory }, { startUi }, tlsCert, backupOptions] =
    await Promise.all([
      import('../../../core/errors.js'),
      import('../swarm-access.js'),
      import('../ssh-options.js'),
      import('../../../runtime/targets.js'),
      import('../../ui/start.js'),
      import('../../../adapters/tls-cert.js'),
      import('../backup-options.js'),
    ]);
  const loopback = LOOPBACK.test(cliOpts.listen);
  if (Boolean(cliOpts.tlsCert) !== Boolean(cliOpts.tlsKey)) {
    throw new FleetError('usage', '--tls-cert and --tls-key go together', {
      hint: 'give both files, or neither',
    });
  }
  const { candidates, opts, warnings } = await swarmAccess(cliOpts, cmd);
  for (const warning of warnings) process.stderr.write(`fleet: ${warning}\n`);
  const loaded = await loadInventory({ inventory: opts.inventory });
  let tls: import('../../../adapters/tls-cert.js').TlsMaterial | undefined;
  if (opts.tlsCert && opts.tlsKey) tls = await tlsCert.readTlsFiles(opts.tlsCert, opts.tlsKey);
  else if (!loopback && !opts.insecure) tls = await tlsCert.generateSelfSignedCert(opts.listen);
  if (!loopback) {
    process.stderr.write(`fleet: warning: listening on ${opts.listen}, not only this machine's loopback\n`);
  }
  if (tls && !opts.tlsCert)
    process.stderr.write(`fleet: generated TLS certificate, SHA-256 ${tls.fingerprint}\n`);
  const ui = await startUi({
    hosts: candidates,
    ssh: await ssh.sshSettingsFromOptions(opts),
    sudo: opts.sudo,
    sudoPassword: await ssh.sudoPasswordFromOptions(opts, candidates),
    inventoryPath: loaded.inventoryPath,
    defaults: loaded.inventory?.defaults,
    identity: opts.identity,
    backupStore: await backupOptions.storeInput(opts),
    listen: opts.listen,
    port: opts.port,
    tls,
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE' || err.code === 'EACCES') {
      throw new FleetError('connect', `cannot listen on ${opts.listen}:${opts.port}: ${err.code}`, {
        hint: 'choose another --port (0 picks a free one)',
      });
    }
    throw err;
  });
  process.stdout.write(`fleet ui: ${ui.url}\n`);
  if (opts.open) {
    const { spawn } = await import('node:child_process');
    spawn('xdg-open', [ui.url], { stdio: 'ignore', detached: true })
      .on('error', () => undefined)
      .unref();
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await ui.close();
  return 0;
}
