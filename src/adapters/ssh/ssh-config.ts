/**
 * `~/.ssh/config` basics: Host blocks with OpenSSH patterns, first obtained value wins, IdentityFile
 * accumulates, Include. Resolving (here) and parsing (ssh-config-parse.ts) are pure; `loadSshConfig`
 * (ssh-config-load.ts) reads files.
 * Options that change how a connection is made but that fleet does not implement produce a warning
 * naming file:line, so a user never silently gets a different connection than `ssh` would make.
 */
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { HostTarget } from '../../core/host.js';
import { matchPatternList } from './pattern.js';
import type { SshConfig } from './ssh-config-parse.js';
import type { HostKeyPolicy, SshHostTarget } from './types.js';

// The parser and the loader (file I/O) live in their own files; re-exported here because callers
// import them with the resolver. The loader imports the parser, never this file: no import circle.
export { loadSshConfig } from './ssh-config-load.js';
export {
  parseSshConfig,
  type IncludeReader,
  type SshConfig,
  type SshConfigBlock,
  type SshConfigOption,
} from './ssh-config-parse.js';

const UNSUPPORTED = new Set([
  'hostkeyalias',
  'certificatefile',
  'canonicalizehostname',
  'remotecommand',
  'identityagent',
  'pkcs11provider',
  'securitykeyprovider',
  'localcommand',
]);

export interface ResolvedSshConfig {
  hostName?: string;
  user?: string;
  port?: number;
  identityFiles: string[];
  proxyJump?: string;
  /** ProxyCommand, tokens not yet expanded; undefined for `none`. */
  proxyCommand?: string;
  userKnownHostsFiles?: string[];
  strictHostKeyChecking?: string;
  warnings: string[];
}

/** Collects the options for a host. A block applies when any of `names` matches its patterns. */
export function resolveSshConfig(config: SshConfig, names: readonly string[]): ResolvedSshConfig {
  const out: ResolvedSshConfig = { identityFiles: [], warnings: [] };
  const seen = new Set<string>();
  for (const block of config.blocks) {
    if (block.unsupported) continue;
    if (block.patterns) {
      const results = names.map((n) => matchPatternList(n, block.patterns!));
      if (results.includes(-1) || !results.includes(1)) continue;
    }
    for (const opt of block.options) {
      const value = opt.args[0];
      if (value === undefined) continue;
      if (opt.key === 'identityfile') {
        out.identityFiles.push(value);
        continue;
      }
      if (UNSUPPORTED.has(opt.key)) {
        out.warnings.push(`${opt.file}:${opt.line}: ${opt.key} is not supported by fleet and is ignored`);
        continue;
      }
      // First obtained value wins, as in OpenSSH; ProxyJump and ProxyCommand share one slot (the
      // first of the two that applies is the one OpenSSH uses).
      const slot = opt.key === 'proxyjump' || opt.key === 'proxycommand' ? 'proxy' : opt.key;
      if (seen.has(slot)) continue;
      seen.add(slot);
      switch (opt.key) {
        case 'hostname':
          out.hostName = value;
          break;
        case 'user':
          out.user = value;
          break;
        case 'port': {
          const port = Number(value);
          if (Number.isInteger(port) && port > 0 && port < 65536) out.port = port;
          else out.warnings.push(`${opt.file}:${opt.line}: Port "${value}" is not a port number, ignored`);
          break;
        }
        case 'proxyjump':
          out.proxyJump = value;
          break;
        case 'proxycommand': {
          const command = (opt.raw ?? opt.args.join(' ')).trim();
          if (command.toLowerCase() !== 'none') out.proxyCommand = command;
          break;
        }
        case 'userknownhostsfile':
          out.userKnownHostsFiles = opt.args;
          break;
        case 'stricthostkeychecking':
          out.strictHostKeyChecking = value.toLowerCase();
          break;
      }
    }
  }
  return out;
}

export function policyFromStrict(value: string | undefined): HostKeyPolicy | undefined {
  switch (value) {
    case 'yes':
    case 'ask':
      return 'strict';
    // `no` would also let OpenSSH connect to a changed key; fleet never does, so it means accept-new.
    case 'no':
    case 'off':
    case 'accept-new':
      return 'accept-new';
    default:
      return undefined;
  }
}

export interface ApplyOptions {
  /** Fields the caller set explicitly (flags, nodes.yml); ssh_config only fills the others. */
  keep?: Partial<Record<'address' | 'user' | 'port' | 'identityFiles', boolean>>;
  /** Receives warnings about unsupported options that apply to this host. */
  warn?: (message: string) => void;
  home?: string;
  localUser?: string;
}

function expandTokens(
  value: string,
  t: { host: string; user: string; port: number; home: string; localUser: string; original: string },
): string {
  let out = value.startsWith('~/') ? join(t.home, value.slice(2)) : value === '~' ? t.home : value;
  out = out.replace(/%([%hurpdn])/g, (_, c: string) => {
    switch (c) {
      case 'h':
        return t.host;
      case 'u':
        return t.localUser;
      case 'r':
        return t.user;
      case 'p':
        return String(t.port);
      case 'd':
        return t.home;
      case 'n':
        return t.original;
      default:
        return '%';
    }
  });
  return out;
}

/** Parses `[user@]host[:port]` (first hop of a ProxyJump list). */
function parseJump(spec: string): { user?: string; host: string; port?: number } {
  let rest = spec.replace(/^ssh:\/\//, '');
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
  }
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest) ?? /^([^:]+)(?::(\d+))?$/.exec(rest);
  return { user, host: m?.[1] ?? rest, port: m?.[2] ? Number(m[2]) : undefined };
}

export function applySshConfig(
  target: HostTarget,
  config: SshConfig,
  options: ApplyOptions = {},
  depth = 0,
): SshHostTarget {
  const home = options.home ?? homedir();
  const localUser = options.localUser ?? userInfo().username;
  const keep = options.keep ?? {};
  const names = [...new Set([target.id, target.name, target.address].filter((n): n is string => !!n))];
  const r = resolveSshConfig(config, names);
  // File-level warnings (Match, unparsable lines) too: callers de-duplicate what they collect.
  if (depth === 0) for (const w of config.warnings) options.warn?.(w);
  for (const w of r.warnings) options.warn?.(w);
  const out: SshHostTarget = { ...target };
  const original = target.name ?? target.id;
  if (r.hostName && !keep.address) out.address = r.hostName.replace(/%h/g, original).replace(/%%/g, '%');
  if (r.user && !keep.user) out.user = r.user;
  if (r.port && !keep.port) out.port = r.port;
  const tokens = { host: out.address, user: out.user, port: out.port, home, localUser, original };
  if (r.identityFiles.length > 0 && !keep.identityFiles) {
    out.identityFiles = r.identityFiles.map((f) => expandTokens(f, tokens));
  }
  if (r.userKnownHostsFiles && !r.userKnownHostsFiles.includes('none')) {
    out.knownHostsFiles = r.userKnownHostsFiles.map((f) => expandTokens(f, tokens));
  }
  const policy = policyFromStrict(r.strictHostKeyChecking);
  if (policy) out.hostKeyPolicy = policy;
  if (r.proxyCommand && !target.proxyJump) out.proxyCommand = expandTokens(r.proxyCommand, tokens);
  if (r.proxyJump && r.proxyJump.toLowerCase() !== 'none' && !target.proxyJump) {
    if (depth >= 4) {
      options.warn?.(`ProxyJump for ${target.id}: more than 4 nested jumps, stopped`);
    } else {
      // `a,b` means: reach a, then b through a, then the target through b.
      let previous: SshHostTarget | undefined;
      for (const spec of r.proxyJump.split(',')) {
        const jump = parseJump(spec.trim());
        // `Host *` + `ProxyJump bastion` also matches the bastion itself; OpenSSH would loop there.
        if (names.includes(jump.host)) {
          options.warn?.(`ProxyJump ${jump.host} for ${target.id} points at the host itself, ignored`);
          continue;
        }
        const jumpTarget: HostTarget = {
          id: jump.host,
          address: jump.host,
          port: jump.port ?? 22,
          user: jump.user ?? localUser,
          identityFiles: target.identityFiles,
        };
        const keepJump = { user: jump.user !== undefined, port: jump.port !== undefined };
        let hop = applySshConfig(jumpTarget, config, { ...options, keep: keepJump }, depth + 1);
        if (previous) hop = { ...hop, proxyJump: previous };
        previous = hop;
      }
      if (previous) out.proxyJump = previous;
    }
  }
  return out;
}
