import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkHostKey,
  entryMatches,
  fingerprint,
  formatKnownHostsLine,
  keyTypeOf,
  knownHostName,
  knownKeyTypes,
  parseKnownHosts,
} from '../../src/adapters/ssh/known-hosts.js';

const dir = mkdtempSync(join(tmpdir(), 'fleet-kh-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Real keys from ssh-keygen, so blobs and fingerprints are OpenSSH's own. */
function newKey(name: string, type = 'ed25519'): { line: string; blob: Buffer; type: string; file: string } {
  const file = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', name, '-f', file]);
  const line = readFileSync(`${file}.pub`, 'utf8').trim();
  const [keyType, b64] = line.split(' ');
  return { line, blob: Buffer.from(b64!, 'base64'), type: keyType!, file };
}

const a = newKey('a');
const b = newKey('b');
const rsa = newKey('r', 'rsa');
const keyB64 = (k: { blob: Buffer }) => k.blob.toString('base64');

describe('fingerprint', () => {
  it('matches ssh-keygen -lf exactly', () => {
    for (const k of [a, b, rsa]) {
      const out = execFileSync('ssh-keygen', ['-lf', `${k.file}.pub`], { encoding: 'utf8' });
      expect(out.split(' ')[1]).toBe(fingerprint(k.blob));
    }
    expect(fingerprint(a.blob)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('reads the key type from the blob', () => {
    expect(keyTypeOf(a.blob)).toBe('ssh-ed25519');
    expect(keyTypeOf(rsa.blob)).toBe('ssh-rsa');
    expect(keyTypeOf(Buffer.from([0, 0]))).toBeUndefined();
  });
});

describe('parseKnownHosts', () => {
  it('parses plain, comma lists, markers and comments, and reports bad lines with file:line', () => {
    const text = [
      '# comment',
      `agx-01,10.77.2.5 ssh-ed25519 ${keyB64(a)} root@agx-01`,
      '',
      `[10.77.2.6]:2222 ssh-ed25519 ${keyB64(b)}`,
      `@revoked * ssh-rsa ${keyB64(rsa)}`,
      `@cert-authority *.lab ssh-ed25519 ${keyB64(a)}`,
      'garbage-line',
      `host ssh-rsa ${keyB64(a)}`,
      `@bogus host ssh-ed25519 ${keyB64(a)}`,
    ].join('\n');
    const { entries, warnings } = parseKnownHosts(text, '/k');
    expect(entries.map((e) => [e.line, e.marker, e.patterns])).toEqual([
      [2, undefined, ['agx-01', '10.77.2.5']],
      [4, undefined, ['[10.77.2.6]:2222']],
      [5, 'revoked', ['*']],
      [6, 'cert-authority', ['*.lab']],
    ]);
    expect(warnings).toEqual([
      '/k:7: expected "hosts keytype key", line ignored',
      '/k:8: key does not decode as ssh-rsa, line ignored',
      '/k:9: unknown marker @bogus, line ignored',
    ]);
  });

  it('matches hashed entries written by ssh-keygen -H, including [host]:port', () => {
    const file = join(dir, 'hashed');
    writeFileSync(file, `10.77.2.5 ssh-ed25519 ${keyB64(a)}\n[10.77.2.6]:2222 ssh-ed25519 ${keyB64(b)}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    const { entries } = parseKnownHosts(readFileSync(file, 'utf8'), file);
    expect(entries).toHaveLength(2);
    expect(entries.every((e) => e.hashed && !e.patterns)).toBe(true);
    expect(checkHostKey(entries, '10.77.2.5', 22, a.blob).status).toBe('known');
    expect(checkHostKey(entries, '10.77.2.6', 2222, b.blob).status).toBe('known');
    expect(checkHostKey(entries, '10.77.2.6', 22, b.blob).status).toBe('unknown');
    expect(checkHostKey(entries, '10.77.2.5', 22, b.blob).status).toBe('changed');
  });
});

describe('matching', () => {
  const { entries } = parseKnownHosts(
    [
      `agx-01,10.77.2.5 ssh-ed25519 ${keyB64(a)}`,
      `[10.77.2.6]:2222 ssh-ed25519 ${keyB64(b)}`,
      `10.77.3.*,!10.77.3.9 ssh-ed25519 ${keyB64(a)}`,
      `@revoked 10.77.4.* ssh-ed25519 ${keyB64(b)}`,
      `10.77.4.1 ssh-ed25519 ${keyB64(a)}`,
      `@cert-authority 10.77.5.* ssh-ed25519 ${keyB64(a)}`,
      `10.77.6.1 ssh-rsa ${keyB64(rsa)}`,
    ].join('\n'),
    '/k',
  );

  it('uses [host]:port for non-22 ports and the bare host on 22', () => {
    expect(knownHostName('h', 22)).toBe('h');
    expect(knownHostName('h', 2222)).toBe('[h]:2222');
    expect(checkHostKey(entries, '10.77.2.6', 2222, b.blob).status).toBe('known');
    // A bare-host line does not vouch for another port.
    expect(checkHostKey(entries, '10.77.2.5', 2222, a.blob).status).toBe('unknown');
  });

  it('honours wildcards and negation', () => {
    expect(checkHostKey(entries, '10.77.3.4', 22, a.blob).status).toBe('known');
    expect(checkHostKey(entries, '10.77.3.9', 22, a.blob).status).toBe('unknown');
    expect(entryMatches(entries[0]!, 'AGX-01', 22)).toBe(true);
  });

  it('reports a changed key with the old entries, and revoked keys as revoked', () => {
    const changed = checkHostKey(entries, 'agx-01', 22, b.blob);
    expect(changed.status).toBe('changed');
    expect(changed.status === 'changed' && changed.entries[0]!.line).toBe(1);
    expect(checkHostKey(entries, '10.77.4.1', 22, b.blob).status).toBe('revoked');
    expect(checkHostKey(entries, '10.77.4.1', 22, a.blob).status).toBe('known');
  });

  it('treats cert-authority lines as not vouching, and other key types as unknown, not changed', () => {
    const ca = checkHostKey(entries, '10.77.5.1', 22, a.blob);
    expect(ca).toEqual({ status: 'unknown', otherTypes: [], certAuthority: true });
    const other = checkHostKey(entries, '10.77.6.1', 22, a.blob);
    expect(other.status).toBe('unknown');
    expect(other.status === 'unknown' && other.otherTypes.map((e) => e.keyType)).toEqual(['ssh-rsa']);
    expect(knownKeyTypes(entries, '10.77.6.1', 22)).toEqual(['ssh-rsa']);
  });

  it('formats lines that OpenSSH and the parser read back', () => {
    const line = formatKnownHostsLine('10.77.2.7', 2200, a.blob);
    expect(line).toBe(`[10.77.2.7]:2200 ssh-ed25519 ${keyB64(a)}`);
    const file = join(dir, 'kh-out');
    writeFileSync(file, line + '\n');
    const found = execFileSync('ssh-keygen', ['-F', '[10.77.2.7]:2200', '-f', file], { encoding: 'utf8' });
    expect(found).toContain(keyB64(a));
    expect(checkHostKey(parseKnownHosts(line, file).entries, '10.77.2.7', 2200, a.blob).status).toBe('known');
  });
});
