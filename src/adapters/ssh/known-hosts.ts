/**
 * Pure OpenSSH known_hosts parsing and matching (no I/O): plain names, comma lists, wildcards,
 * hashed `|1|salt|hash` entries, `[host]:port`, and the @revoked / @cert-authority markers.
 */
import { createHash, createHmac } from 'node:crypto';
import { matchPatternList } from './pattern.js';

export interface KnownHostEntry {
  file: string;
  line: number;
  marker?: 'revoked' | 'cert-authority';
  /** Host patterns of a plain entry; undefined for a hashed one. */
  patterns?: string[];
  hashed?: { salt: Buffer; hash: Buffer };
  keyType: string;
  /** The public key blob (what the server sends, what fingerprints hash). */
  key: Buffer;
}

export interface ParsedKnownHosts {
  entries: KnownHostEntry[];
  /** `file:line: reason` for lines that were skipped. */
  warnings: string[];
}

export function parseKnownHosts(text: string, file: string): ParsedKnownHosts {
  const entries: KnownHostEntry[] = [];
  const warnings: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const lineNo = index + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0]?.startsWith('@')) {
      const m = fields.shift();
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else {
        warnings.push(`${file}:${lineNo}: unknown marker ${m}, line ignored`);
        return;
      }
    }
    const [hostField, keyType, keyB64] = fields;
    if (!hostField || !keyType || !keyB64) {
      warnings.push(`${file}:${lineNo}: expected "hosts keytype key", line ignored`);
      return;
    }
    const key = Buffer.from(keyB64, 'base64');
    if (key.length === 0 || keyTypeOf(key) !== keyType) {
      warnings.push(`${file}:${lineNo}: key does not decode as ${keyType}, line ignored`);
      return;
    }
    const entry: KnownHostEntry = { file, line: lineNo, keyType, key };
    if (marker) entry.marker = marker;
    if (hostField.startsWith('|1|')) {
      const [, , salt, hash] = hostField.split('|');
      if (!salt || !hash) {
        warnings.push(`${file}:${lineNo}: malformed hashed host, line ignored`);
        return;
      }
      entry.hashed = { salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
    } else {
      entry.patterns = hostField.split(',').filter((p) => p !== '');
    }
    entries.push(entry);
  });
  return { entries, warnings };
}

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

export function entryMatches(entry: KnownHostEntry, host: string, port: number): boolean {
  const name = knownHostName(host, port);
  if (entry.hashed) {
    const digest = createHmac('sha1', entry.hashed.salt).update(name).digest();
    return digest.equals(entry.hashed.hash);
  }
  return matchPatternList(name, entry.patterns ?? []) === 1;
}

/** The key type name at the start of an SSH public key blob (e.g. `ssh-ed25519`). */
export function keyTypeOf(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const len = blob.readUInt32BE(0);
  if (len === 0 || len > 64 || 4 + len > blob.length) return undefined;
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** Exactly OpenSSH's format: `SHA256:` + unpadded base64 of sha256(blob). */
export function fingerprint(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

export type HostKeyStatus =
  | { status: 'known'; entry: KnownHostEntry }
  | { status: 'revoked'; entry: KnownHostEntry }
  /** Same key type known for this host with a different key. */
  | { status: 'changed'; entries: KnownHostEntry[] }
  /** Nothing of this type is known; `otherTypes` lists entries of other types for the host. */
  | { status: 'unknown'; otherTypes: KnownHostEntry[]; certAuthority: boolean };

export function checkHostKey(
  entries: readonly KnownHostEntry[],
  host: string,
  port: number,
  blob: Buffer,
): HostKeyStatus {
  const type = keyTypeOf(blob);
  const forHost = entries.filter((e) => entryMatches(e, host, port));
  const revoked = forHost.find((e) => e.marker === 'revoked' && e.key.equals(blob));
  if (revoked) return { status: 'revoked', entry: revoked };
  const plain = forHost.filter((e) => e.marker === undefined);
  const known = plain.find((e) => e.key.equals(blob));
  if (known) return { status: 'known', entry: known };
  const sameType = plain.filter((e) => e.keyType === type);
  if (sameType.length > 0) return { status: 'changed', entries: sameType };
  return {
    status: 'unknown',
    otherTypes: plain,
    certAuthority: forHost.some((e) => e.marker === 'cert-authority'),
  };
}

/** Key types already known for a host, so the handshake can prefer them like OpenSSH does. */
export function knownKeyTypes(entries: readonly KnownHostEntry[], host: string, port: number): string[] {
  const types: string[] = [];
  for (const e of entries) {
    if (e.marker === undefined && !types.includes(e.keyType) && entryMatches(e, host, port))
      types.push(e.keyType);
  }
  return types;
}

export function formatKnownHostsLine(host: string, port: number, blob: Buffer): string {
  return `${knownHostName(host, port)} ${keyTypeOf(blob) ?? 'unknown'} ${blob.toString('base64')}`;
}
