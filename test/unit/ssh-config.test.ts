import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { HostTarget } from '../../src/core/host.js';
import { loadSshConfig } from '../../src/adapters/ssh/ssh-config-load.js';
import {
  applySshConfig,
  parseSshConfig,
  policyFromStrict,
  resolveSshConfig,
} from '../../src/adapters/ssh/ssh-config.js';

const target = (id: string, extra: Partial<HostTarget> = {}): HostTarget => ({
  id,
  address: id,
  port: 22,
  user: 'me',
  identityFiles: [],
  ...extra,
});
const opts = { home: '/home/me', localUser: 'me' };

describe('parseSshConfig / resolveSshConfig', () => {
  const text = [
    '# global',
    'User globaluser',
    '',
    'Host agx-* !agx-99',
    '  HostName %h.lab',
    '  Port=2222',
    '  IdentityFile ~/.ssh/jetson',
    'Host agx-0?',
    '  User nvidia',
    '  Port 2200',
    '  IdentityFile "/keys/with space"',
    'Host *',
    '  User fallback',
    '  IdentityFile ~/.ssh/id_%r_%h',
    '  StrictHostKeyChecking accept-new',
  ].join('\n');
  const config = parseSshConfig(text, '/cfg');

  it('takes the first obtained value; IdentityFile accumulates in order', () => {
    const r = resolveSshConfig(config, ['agx-05']);
    expect(r.user).toBe('globaluser'); // options before any Host apply first
    expect(r.port).toBe(2222);
    expect(r.hostName).toBe('%h.lab');
    expect(r.identityFiles).toEqual(['~/.ssh/jetson', '/keys/with space', '~/.ssh/id_%r_%h']);
    expect(r.strictHostKeyChecking).toBe('accept-new');
  });

  it('honours negation and ? wildcards', () => {
    const r = resolveSshConfig(config, ['agx-99']);
    expect(r.port).toBeUndefined();
    expect(r.identityFiles).toEqual(['~/.ssh/id_%r_%h']);
    const r2 = resolveSshConfig(config, ['agx-100']);
    expect(r2.port).toBe(2222);
    expect(r2.identityFiles).toEqual(['~/.ssh/jetson', '~/.ssh/id_%r_%h']);
  });

  it('applies to a HostTarget with ~ and %h/%r/%u tokens, keeping fields the caller set', () => {
    const t = applySshConfig(target('agx-05'), config, opts);
    expect(t).toMatchObject({
      address: 'agx-05.lab',
      port: 2222,
      user: 'globaluser',
      hostKeyPolicy: 'accept-new',
    });
    expect(t.identityFiles).toEqual([
      '/home/me/.ssh/jetson',
      '/keys/with space',
      '/home/me/.ssh/id_globaluser_agx-05.lab',
    ]);
    const kept = applySshConfig(target('agx-05', { user: 'root', port: 22 }), config, {
      ...opts,
      keep: { user: true, port: true },
    });
    expect(kept.user).toBe('root');
    expect(kept.port).toBe(22);
  });

  it('warns with file:line for Match and for unsupported options that apply', () => {
    const c = parseSshConfig(
      ['Host a', '  LocalCommand echo %h', 'Match host b', '  User x', 'Host b', '  User y'].join('\n'),
      '/c',
    );
    expect(c.warnings).toEqual(['/c:3: Match blocks are not supported by fleet; its options are ignored']);
    const warnings: string[] = [];
    applySshConfig(target('a'), c, { ...opts, warn: (w) => warnings.push(w) });
    expect(warnings).toEqual([
      '/c:3: Match blocks are not supported by fleet; its options are ignored',
      '/c:2: localcommand is not supported by fleet and is ignored',
    ]);
    // Options inside the Match block are not misattributed to the Host before it.
    expect(resolveSshConfig(c, ['b']).user).toBe('y');
    expect(resolveSshConfig(c, ['a']).user).toBeUndefined();
  });

  it('ProxyCommand: kept whole, tokens expanded after HostName/User/Port, none disables it', () => {
    const c = parseSshConfig(
      [
        'Host inner-*',
        '  HostName %h.internal',
        '  User ops',
        '  Port 2222',
        '  ProxyCommand ssh -W %h:%p bastion -l "%r" # 100%%',
        'Host direct',
        '  ProxyCommand none',
        'Host *',
        '  ProxyCommand nc -x socks:1080 %h %p',
      ].join('\n'),
      '/c',
    );
    const warnings: string[] = [];
    const inner = applySshConfig(target('inner-1'), c, { ...opts, warn: (w) => warnings.push(w) });
    expect(inner.proxyCommand).toBe('ssh -W inner-1.internal:2222 bastion -l "ops" # 100%');
    expect(warnings).toEqual([]);
    expect(applySshConfig(target('direct'), c, opts).proxyCommand).toBeUndefined();
    expect(applySshConfig(target('other'), c, opts).proxyCommand).toBe('nc -x socks:1080 other 22');
  });

  it('ProxyJump and ProxyCommand: the first that applies wins, as in OpenSSH', () => {
    const c = parseSshConfig(
      ['Host a', '  ProxyCommand nc %h %p', 'Host *', '  ProxyJump bastion'].join('\n'),
      '/c',
    );
    const a = applySshConfig(target('a'), c, opts);
    expect(a.proxyCommand).toBe('nc a 22');
    expect(a.proxyJump).toBeUndefined();
    const b = applySshConfig(target('b'), c, opts);
    expect(b.proxyCommand).toBeUndefined();
    expect(b.proxyJump?.address).toBe('bastion');
  });

  it('matches a block by the host id or its address', () => {
    const c = parseSshConfig('Host 10.77.2.*\n  User byaddr\nHost spark\n  User byname\n', '/c');
    expect(applySshConfig(target('agx-01', { address: '10.77.2.5' }), c, opts).user).toBe('byaddr');
    expect(applySshConfig(target('spark', { address: '10.77.9.1' }), c, opts).user).toBe('byname');
  });

  it('resolves ProxyJump hops through the same config, chains in order', () => {
    const c = parseSshConfig(
      [
        'Host inner',
        '  ProxyJump admin@bastion:2201',
        'Host far',
        '  ProxyJump b1,b2:23',
        'Host bastion',
        '  HostName 10.0.0.1',
        '  User ignored-for-explicit',
      ].join('\n'),
      '/c',
    );
    const t = applySshConfig(target('inner'), c, opts);
    expect(t.proxyJump).toMatchObject({ address: '10.0.0.1', user: 'admin', port: 2201 });
    const far = applySshConfig(target('far'), c, opts);
    expect(far.proxyJump).toMatchObject({ address: 'b2', port: 23, proxyJump: { address: 'b1', port: 22 } });
  });

  it('ignores a ProxyJump that points at the host itself (Host * + ProxyJump bastion)', () => {
    const c = parseSshConfig('Host *\n  ProxyJump bastion\n', '/c');
    const warnings: string[] = [];
    const t = applySshConfig(target('agx-01'), c, { ...opts, warn: (w) => warnings.push(w) });
    expect(t.proxyJump?.address).toBe('bastion');
    expect(t.proxyJump?.proxyJump).toBeUndefined();
    expect(warnings).toEqual(['ProxyJump bastion for bastion points at the host itself, ignored']);
  });

  it('maps StrictHostKeyChecking to a policy; UserKnownHostsFile is expanded', () => {
    expect(policyFromStrict('yes')).toBe('strict');
    expect(policyFromStrict('no')).toBe('accept-new');
    expect(policyFromStrict('accept-new')).toBe('accept-new');
    expect(policyFromStrict(undefined)).toBeUndefined();
    const c = parseSshConfig(
      'Host x\n  UserKnownHostsFile ~/.ssh/kh1 /etc/kh2\n  StrictHostKeyChecking yes\n',
      '/c',
    );
    expect(applySshConfig(target('x'), c, opts)).toMatchObject({
      knownHostsFiles: ['/home/me/.ssh/kh1', '/etc/kh2'],
      hostKeyPolicy: 'strict',
    });
  });
});

describe('loadSshConfig', () => {
  const home = mkdtempSync(join(tmpdir(), 'fleet-sshcfg-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('reads ~/.ssh/config with Include (relative to ~/.ssh, globs), and a missing file is empty', () => {
    mkdirSync(join(home, '.ssh', 'conf.d'), { recursive: true });
    writeFileSync(join(home, '.ssh', 'config'), 'Include conf.d/*.conf\nHost *\n  User last\n');
    writeFileSync(join(home, '.ssh', 'conf.d', '10-a.conf'), 'Host a\n  Port 2001\n');
    writeFileSync(join(home, '.ssh', 'conf.d', '20-b.conf'), 'Host b\n  Port 2002\n');
    const c = loadSshConfig(undefined, home);
    expect(resolveSshConfig(c, ['a']).port).toBe(2001);
    expect(resolveSshConfig(c, ['b'])).toMatchObject({ port: 2002, user: 'last' });
    expect(loadSshConfig(join(home, 'nope'), home).blocks).toHaveLength(1);
  });
});
