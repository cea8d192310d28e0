/**
 * Host key verification against known_hosts files, with the strict / accept-new / ignore policies.
 * Files are read once per pool; accept-new appends (never rewrites) one line per new host.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { appendFileSafely } from '../fs/safe-write.js';
import { FleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import {
  checkHostKey,
  fingerprint,
  formatKnownHostsLine,
  keyTypeOf,
  knownKeyTypes,
  parseKnownHosts,
  type KnownHostEntry,
} from './known-hosts.js';
import type { HostKeyPolicy } from './types.js';

function where(host: HostTarget): string {
  return host.id === host.address ? host.id : `${host.id} (${host.address})`;
}

export class HostKeyStore {
  private readonly files = new Map<string, Promise<KnownHostEntry[]>>();
  /** Serialises appends per file so concurrent accept-new never writes the same host twice. */
  private readonly appendChain = new Map<string, Promise<unknown>>();

  constructor(private readonly warn?: (message: string, host?: string) => void) {}

  private load(file: string): Promise<KnownHostEntry[]> {
    let entries = this.files.get(file);
    if (!entries) {
      entries = readFile(file, 'utf8').then(
        (text) => {
          const parsed = parseKnownHosts(text, file);
          for (const w of parsed.warnings) this.warn?.(w);
          return parsed.entries;
        },
        (err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return [];
          throw new FleetError('hostkey', `cannot read known_hosts file ${file}: ${err.message}`, {
            hint: 'check its permissions, or pass another file',
            cause: err,
          });
        },
      );
      this.files.set(file, entries);
    }
    return entries;
  }

  private async entries(files: readonly string[]): Promise<KnownHostEntry[]> {
    return (await Promise.all(files.map((f) => this.load(f)))).flat();
  }

  /** Key types already known for the host (to order the handshake's host key algorithms). */
  async knownTypes(host: HostTarget, files: readonly string[]): Promise<string[]> {
    return knownKeyTypes(await this.entries(files), host.address, host.port);
  }

  /** Resolves when the key may be used; throws a non-retryable FleetError('hostkey') otherwise. */
  async verify(
    host: HostTarget,
    blob: Buffer,
    policy: HostKeyPolicy,
    files: readonly string[],
  ): Promise<void> {
    if (policy === 'ignore') return;
    const fp = fingerprint(blob);
    const type = keyTypeOf(blob) ?? 'unknown';
    const result = checkHostKey(await this.entries(files), host.address, host.port, blob);
    switch (result.status) {
      case 'known':
        return;
      case 'revoked':
        throw new FleetError(
          'hostkey',
          `host key for ${where(host)} is marked @revoked in ${result.entry.file}:${result.entry.line}: ${fp}`,
          {
            host: host.id,
            hint: 'the host presents a revoked key; do not connect until the host key is replaced',
          },
        );
      case 'changed': {
        const old = result.entries.map((e) => `${fingerprint(e.key)} (${e.file}:${e.line})`).join(', ');
        // Name the file(s) that hold the old line: with --known-hosts or UserKnownHostsFile, a bare
        // `ssh-keygen -R` would edit ~/.ssh/known_hosts and leave the line that fails in place.
        const removeFrom = [...new Set(result.entries.map((e) => e.file))]
          .map((f) => `ssh-keygen -R ${keyscanName(host)} -f ${f}`)
          .join(' and ');
        throw new FleetError(
          'hostkey',
          `HOST KEY CHANGED for ${where(host)}: known ${type} key ${old}, host now presents ${fp}`,
          {
            host: host.id,
            hint: `if the host was reinstalled and you verified the new key, remove the old line (${removeFrom}) and connect again; otherwise someone may be intercepting the connection`,
          },
        );
      }
      case 'unknown': {
        if (result.certAuthority)
          this.warn?.(
            `@cert-authority entries are not supported by fleet and were ignored for ${where(host)}`,
            host.id,
          );
        if (policy === 'accept-new') {
          await this.append(host, blob, files[0]);
          return;
        }
        const also =
          result.otherTypes.length > 0
            ? ` (keys of other types are known: ${result.otherTypes.map((e) => e.keyType).join(', ')})`
            : '';
        throw new FleetError('hostkey', `unknown host key for ${where(host)}: ${fp} (${type})${also}`, {
          host: host.id,
          hint: `verify it, then run with --accept-new-host-keys to add it to ${files[0] ?? '~/.ssh/known_hosts'}, or add it yourself: ssh-keyscan -p ${host.port} -t ${type.replace(/^ssh-/, '')} ${host.address} >> ${files[0] ?? '~/.ssh/known_hosts'}`,
        });
      }
    }
  }

  private async append(host: HostTarget, blob: Buffer, file: string | undefined): Promise<void> {
    if (!file)
      throw new FleetError('hostkey', `no known_hosts file to add ${where(host)} to`, { host: host.id });
    const previous = this.appendChain.get(file) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(async () => {
        // Another connection may have added this host while we waited for the lock.
        const entries = await this.load(file);
        const again = checkHostKey(entries, host.address, host.port, blob);
        if (again.status === 'known') return;
        if (again.status !== 'unknown')
          throw new FleetError('hostkey', `host key for ${where(host)} changed while adding it`, {
            host: host.id,
          });
        await mkdir(dirname(file), { recursive: true, mode: 0o700 });
        const line = formatKnownHostsLine(host.address, host.port, blob);
        // One O_APPEND write per line: other processes appending at the same time cannot interleave.
        const current = await readFile(file, 'utf8').catch(() => '');
        const prefix = current !== '' && !current.endsWith('\n') ? '\n' : '';
        await appendFileSafely(file, `${prefix}${line}\n`, {
          mode: 0o600,
          what: 'known_hosts file',
          code: 'hostkey',
        });
        entries.push(...parseKnownHosts(line, file).entries);
        this.warn?.(`added host key for ${where(host)} to ${file}: ${fingerprint(blob)}`, host.id);
      });
    this.appendChain.set(file, next);
    await next;
  }
}

function keyscanName(host: HostTarget): string {
  return host.port === 22 ? host.address : `'[${host.address}]:${host.port}'`;
}
