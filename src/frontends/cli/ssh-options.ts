/**
 * SSH flags shared by every command that talks to hosts (exec, up, backup), and their translation
 * into the adapter's SshSettings. Precedence: flag > FLEET_* environment > built-in default.
 * Secrets (login and sudo passwords) come only from the environment or a hidden prompt: never from
 * argv, where `ps` would show them.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { SshSettings } from '../../adapters/ssh/types.js';
import type { HostTarget } from '../../core/host.js';
import { registerSecret } from '../../core/redact.js';
import { promptSecret } from './prompt.js';

export interface SshCliOptions {
  connectTimeout: number;
  retries: number;
  retryDelay: number;
  acceptNewHostKeys?: boolean;
  insecureIgnoreHostKeys?: boolean;
  knownHosts?: string;
  identity?: string[];
  askPass?: boolean;
  sudo?: boolean;
}

export const SSH_OPTIONS_HELP = `
SSH:
  Host keys are checked against ~/.ssh/known_hosts; an unknown or changed key stops that host.
  Passwords are never flags: set FLEET_SSH_PASSWORD / FLEET_SUDO_PASSWORD, or use --ask-pass and
  --sudo on a terminal to be asked without echo.`;

export function parseSeconds(name: string, { allowZero = false } = {}) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) {
      throw new InvalidArgumentError(
        `${name} must be a ${allowZero ? 'non-negative' : 'positive'} number of seconds, got "${value}"`,
      );
    }
    return n;
  };
}

export function parseCount(name: string, { min = 0 } = {}) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got "${value}"`);
    return n;
  };
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function addSshOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        '--connect-timeout <seconds>',
        'TCP connect + key exchange timeout per attempt (authentication then gets max(30 s, 3x this))',
      )
        .env('FLEET_SSH_TIMEOUT')
        .argParser(parseSeconds('--connect-timeout'))
        .default(10),
    )
    .addOption(
      new Option('--retries <n>', 'retries for connection failures (never for auth or host keys)')
        .env('FLEET_RETRY_COUNT')
        .argParser(parseCount('--retries'))
        .default(2),
    )
    .addOption(
      new Option('--retry-delay <seconds>', 'first delay between connection retries (doubles each time)')
        .env('FLEET_RETRY_DELAY')
        .argParser(parseSeconds('--retry-delay', { allowZero: true }))
        .default(1),
    )
    .addOption(
      new Option('--accept-new-host-keys', 'trust and append unknown host keys (changed keys still fail)'),
    )
    .addOption(
      new Option('--insecure-ignore-host-keys', 'do not check host keys at all (labs only)').conflicts(
        'acceptNewHostKeys',
      ),
    )
    .addOption(new Option('--known-hosts <file>', 'known_hosts file to use (default ~/.ssh/known_hosts)'))
    .addOption(
      new Option('-i, --identity <file>', 'private key to try first (repeatable)').argParser(collect),
    )
    .addOption(new Option('--ask-pass', 'ask for the login password (or set FLEET_SSH_PASSWORD)'))
    .addOption(new Option('--sudo', 'run through sudo; password from FLEET_SUDO_PASSWORD or asked'));
}

export async function sshSettingsFromOptions(
  opts: SshCliOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<SshSettings> {
  let password = env.FLEET_SSH_PASSWORD || undefined;
  if (password === undefined && opts.askPass)
    password = await promptSecret('SSH password: ', 'FLEET_SSH_PASSWORD');
  registerSecret(password);
  const knownHosts = opts.knownHosts ? resolve(opts.knownHosts) : join(homedir(), '.ssh', 'known_hosts');
  return {
    connectTimeoutMs: Math.round(opts.connectTimeout * 1000),
    hostKeyPolicy: opts.insecureIgnoreHostKeys ? 'ignore' : opts.acceptNewHostKeys ? 'accept-new' : 'strict',
    hostKeyPolicyFromFlag: Boolean(opts.insecureIgnoreHostKeys || opts.acceptNewHostKeys),
    knownHostsFiles: [knownHosts],
    maxConcurrentHandshakes: 64,
    retries: opts.retries,
    retryDelayMs: Math.round(opts.retryDelay * 1000),
    password,
    // Encrypted keys and password fallbacks ask on demand, only when a terminal exists.
    askSecret: process.stdin.isTTY ? (prompt) => promptSecret(prompt) : undefined,
    agentSocket: env.SSH_AUTH_SOCK || undefined,
    maxChannelsPerConnection: 8,
  };
}

/**
 * The sudo password, asked once and only when some target logs in as a non-root user. Without a
 * terminal and without FLEET_SUDO_PASSWORD, sudo runs non-interactively (NOPASSWD setups work; the
 * others fail on the host with sudo's own message).
 */
export async function sudoPasswordFromOptions(
  opts: Pick<SshCliOptions, 'sudo'>,
  targets: HostTarget[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  if (!opts.sudo || targets.every((t) => t.user === 'root')) return undefined;
  const fromEnv = env.FLEET_SUDO_PASSWORD || undefined;
  if (fromEnv !== undefined) {
    registerSecret(fromEnv);
    return fromEnv;
  }
  if (!process.stdin.isTTY) return undefined;
  return promptSecret('sudo password: ', 'FLEET_SUDO_PASSWORD');
}

/** The run knobs nodes.yml `defaults` may set, by option name. */
const INVENTORY_DEFAULTS = {
  concurrency: 'maxJobs',
  connectTimeout: 'sshTimeout',
  retries: 'retryCount',
  retryDelay: 'retryDelay',
} as const;

export interface RunKnobs {
  concurrency?: number;
  connectTimeout: number;
  retries: number;
  retryDelay: number;
}

/**
 * Precedence is flag > FLEET_* > nodes.yml defaults > built-in. Commander already applied flags, env
 * and built-ins; a value that is still the built-in default gives way to nodes.yml.
 */
export function applyInventoryDefaults<T extends RunKnobs>(
  opts: T,
  cmd: Pick<Command, 'getOptionValueSource'>,
  defaults: Partial<Record<(typeof INVENTORY_DEFAULTS)[keyof typeof INVENTORY_DEFAULTS], number>> | undefined,
): T {
  if (!defaults) return opts;
  const out = { ...opts };
  for (const [option, key] of Object.entries(INVENTORY_DEFAULTS) as [
    keyof RunKnobs,
    keyof typeof defaults,
  ][]) {
    const value = defaults[key];
    if (value !== undefined && cmd.getOptionValueSource(option) === 'default') out[option] = value;
  }
  return out;
}
