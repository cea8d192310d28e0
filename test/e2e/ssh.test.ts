/**
 * The SSH adapter against real OpenSSH servers in the lab (id `ssh`, subnet 4): connection reuse,
 * the channel cap, host key policies, password / encrypted key / sudo, remote kill on timeout and
 * abort, ProxyJump, and connection failures.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client, ClientCallback } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshPool } from '../../src/adapters/ssh/index.js';
import { applySshConfig, parseSshConfig } from '../../src/adapters/ssh/ssh-config.js';
import type { SshHostTarget, SshPool, SshSettings } from '../../src/adapters/ssh/types.js';
import { FleetError } from '../../src/core/errors.js';
import { EventBus } from '../../src/runtime/events.js';
import { startLab, type Lab } from '../lab/index.js';

const HOSTS = ['s1', 's2', 's3', 's4'];
let lab: Lab;
let tmp: string;
const pools: SshPool[] = [];

beforeAll(async () => {
  // No try/catch: if the lab cannot start, every test fails with the lab's reason.
  lab = await startLab({
    id: 'ssh',
    subnet: 4,
    hosts: HOSTS.map((name) => ({ name, docker: false })),
    password: `pw-${randomBytes(9).toString('base64url')}`,
  });
  tmp = mkdtempSync(join(tmpdir(), 'fleet-ssh-e2e-'));
});

afterAll(async () => {
  for (const p of pools) await p.closeAll();
  await lab?.down();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function settings(over: Partial<SshSettings> = {}): SshSettings {
  return {
    connectTimeoutMs: 5000,
    hostKeyPolicy: 'strict',
    knownHostsFiles: [lab.knownHostsFile],
    maxConcurrentHandshakes: 4,
    retries: 0,
    retryDelayMs: 100,
    maxChannelsPerConnection: 8,
    agentSocket: '', // the developer's own agent must not make these tests pass
    ...over,
  };
}

function pool(over: Partial<SshSettings> = {}, bus?: EventBus): SshPool {
  const p = createSshPool(settings(over), bus);
  pools.push(p);
  return p;
}

function target(name: string, over: Partial<SshHostTarget> = {}): SshHostTarget {
  const h = lab.host(name);
  return { id: name, address: h.ip, port: h.port, user: 'root', identityFiles: [lab.userKeyFile], ...over };
}

async function failure(p: Promise<unknown>): Promise<FleetError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FleetError);
  return err as FleetError;
}

function connectingEvents(bus: EventBus): string[] {
  const seen: string[] = [];
  bus.subscribe((e) => {
    if (e.type === 'host:state' && e.state === 'connecting') seen.push(e.host);
  });
  return seen;
}

async function hostFingerprint(name: string): Promise<string> {
  const r = await lab.exec(name, 'ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub');
  return r.stdout.split(' ')[1]!;
}

async function remoteArgs(name: string): Promise<string> {
  return (await lab.exec(name, 'ps -eo args')).stdout;
}

async function waitForRemote(name: string, needle: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const ps = await remoteArgs(name);
    if (ps.includes(needle)) return ps;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${needle} never appeared on ${name}`);
}

describe('ssh adapter on the lab', () => {
  it('reuses one TCP connection per host for every channel', async () => {
    const bus = new EventBus();
    const seen = connectingEvents(bus);
    const p = pool({}, bus);
    for (const name of ['s1', 's2', 's3']) {
      const [c1, c2] = await Promise.all([p.connect(target(name)), p.connect(target(name))]);
      expect(c1).toBe(c2);
      const outs = await Promise.all([1, 2, 3].map((n) => c1.exec(`echo ${n}; hostname`)));
      expect(outs.map((r) => r.stdout.toString())).toEqual([1, 2, 3].map((n) => `${n}\n${name}\n`));
      const ss = await lab.exec(name, `ss -Htn state established '( sport = :22 )' | wc -l`);
      expect(ss.stdout.trim()).toBe('1');
    }
    expect(seen).toEqual(['s1', 's2', 's3']);
  });

  it("drops sshd's host key announcement instead of asking the host to prove every key", async () => {
    // ssh2 answers hostkeys-00@openssh.com with hostkeys-prove-00@openssh.com (the host signs with
    // each of its keys, ssh2 verifies each): counted where ssh2 sends it.
    const proto = (
      createRequire(import.meta.url)('ssh2/lib/protocol/Protocol.js') as {
        prototype: { openssh_hostKeysProve(this: unknown, ...args: unknown[]): unknown };
      }
    ).prototype;
    const send = proto.openssh_hostKeysProve;
    let proofsAsked = 0;
    proto.openssh_hostKeysProve = function (this: unknown, ...args: unknown[]) {
      proofsAsked++;
      return send.apply(this, args);
    };
    try {
      const conn = await pool().connect(target('s1'));
      // sshd announces its keys as the session starts, before it answers any channel: by the time a
      // command has run, ssh2 would have asked.
      const r = await conn.exec('echo ok');
      expect(r.stdout.toString()).toBe('ok\n');
      expect(proofsAsked).toBe(0);
    } finally {
      proto.openssh_hostKeysProve = send;
    }
  });

  it('closes a connection idle for idleCloseMs and reconnects on next use; without it, keeps it', async () => {
    const p = pool({ idleCloseMs: 300 });
    const kept = await pool().connect(target('s3'));
    const c1 = await p.connect(target('s2'));
    // A channel open longer than the idle limit keeps the connection.
    expect((await c1.exec('sleep 0.6; echo busy')).stdout.toString()).toBe('busy\n');
    expect(c1.isClosed?.()).toBe(false);
    for (let i = 0; i < 50 && !c1.isClosed?.(); i++) await new Promise((r) => setTimeout(r, 100));
    expect(c1.isClosed?.()).toBe(true);
    expect(kept.isClosed?.()).toBe(false);
    const c2 = await p.connect(target('s2'));
    expect(c2).not.toBe(c1);
    expect((await c2.exec('hostname')).stdout.toString()).toBe('s2\n');
  });

  it('never hands out a connection it is closing: the next connect() makes a new one', async () => {
    // Between close() and the host's goodbye, ssh2 refuses every channel with "Not connected": an
    // MCP fleet_node_exec failed that way on one host when the previous call's exec had closed the
    // shared connection a moment before.
    const p = pool({ idleCloseMs: 60_000 });
    const c1 = await p.connect(target('s1'));
    c1.close();
    const c2 = await p.connect(target('s1'));
    expect(c2).not.toBe(c1);
    expect((await c2.exec('hostname')).stdout.toString()).toBe('s1\n');
    const refused = await failure(c1.exec('hostname'));
    expect(refused.code).toBe('connect');
  });

  it("release() keeps a long-lived pool's connection for the next caller and closes a CLI pool's", async () => {
    const long = pool({ idleCloseMs: 60_000 });
    const c1 = await long.connect(target('s2'));
    expect((await c1.exec('true')).exitCode).toBe(0);
    c1.release();
    const again = await long.connect(target('s2'));
    expect(again).toBe(c1);
    expect((await again.exec('hostname')).stdout.toString()).toBe('s2\n');
    const cli = pool();
    const c3 = await cli.connect(target('s2'));
    c3.release();
    expect(c3.isClosed?.()).toBe(true);
    const c4 = await cli.connect(target('s2'));
    expect(c4).not.toBe(c3);
    expect((await c4.exec('hostname')).stdout.toString()).toBe('s2\n');
  });

  it('runs 12 concurrent commands on one host while keeping channels under MaxSessions', async () => {
    const c = await pool().connect(target('s1'));
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        c.exec(`ps -eo args | grep -c '^sleep 1.5[1]'; sleep 1.51; echo done-${i}`),
      ),
    );
    for (const [i, r] of results.entries()) {
      expect(r.exitCode).toBe(0);
      expect(r.stdout.toString()).toMatch(new RegExp(`done-${i}\\n$`));
    }
    const concurrent = results.map((r) => Number(r.stdout.toString().split('\n')[0]));
    expect(Math.max(...concurrent)).toBeLessThanOrEqual(8);
  });

  it('keeps stdout byte-identical and reports exit codes, signals and stderr', async () => {
    const c = await pool().connect(target('s2'));
    const r = await c.exec(`printf 'a\\0b\\r\\n'; printf 'e1\\n' >&2; exit 5`);
    expect(r.stdout).toEqual(Buffer.from('a\0b\r\n', 'latin1'));
    expect(r.stderr.toString()).toBe('e1\n');
    expect(r.exitCode).toBe(5);
    const killed = await c.exec('kill -TERM $$');
    expect(killed.signal).toBe('SIGTERM');
    expect(killed.exitCode).toBeNull();
  });

  it('streams stdout and stdin with spawn', async () => {
    const c = await pool().connect(target('s2'));
    const s = await c.spawn('head -c 3000000 /dev/zero');
    let bytes = 0;
    for await (const chunk of s.stdout) bytes += (chunk as Buffer).length;
    expect(bytes).toBe(3_000_000);
    expect((await s.done).exitCode).toBe(0);
    const wc = await c.exec('wc -c', { stdin: 'x'.repeat(12345) });
    expect(wc.stdout.toString().trim()).toBe('12345');
  });

  it('opens a Unix socket on the host over a stream-local channel', async () => {
    const sock = `/var/tmp/fleet-echo-${randomBytes(3).toString('hex')}.sock`;
    const server = `import socket; s=socket.socket(socket.AF_UNIX); s.bind('${sock}'); s.listen(1); c,_=s.accept(); c.sendall(c.recv(100).upper()); c.close()`;
    await lab.exec('s2', `setsid python3 -c "${server}" >/dev/null 2>&1 < /dev/null &`);
    await waitForRemote('s2', sock);
    for (let i = 0; i < 50 && (await lab.exec('s2', `test -S ${sock}`)).code !== 0; i++)
      await new Promise((r) => setTimeout(r, 100));
    const c = await pool().connect(target('s2'));
    const duplex = await c.openUnixSocket(sock);
    duplex.end('hello over ssh');
    const chunks: Buffer[] = [];
    for await (const chunk of duplex) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('HELLO OVER SSH');
    const missing = await failure(c.openUnixSocket('/var/tmp/no-such.sock'));
    expect(missing.code).toBe('connect');
    expect(missing.message).toContain('/var/tmp/no-such.sock');
  });

  it('refuses an unknown host key with its fingerprint, without retrying', async () => {
    const empty = join(tmp, 'empty_known_hosts');
    writeFileSync(empty, '');
    const bus = new EventBus();
    const seen = connectingEvents(bus);
    const err = await failure(pool({ knownHostsFiles: [empty], retries: 3 }, bus).connect(target('s3')));
    expect(err.code).toBe('hostkey');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain(
      `unknown host key for s3 (${lab.host('s3').ip}): ${await hostFingerprint('s3')}`,
    );
    expect(err.hint).toContain('--accept-new-host-keys');
    expect(seen).toEqual(['s3']);
  });

  it('accept-new appends a line, keeping what was there; strict then trusts it', async () => {
    const file = join(tmp, 'accept_known_hosts');
    const before = `# mine\nother.example ssh-ed25519 ${readFileSync(lab.knownHostsFile, 'utf8').split('\n')[0]!.split(' ')[2]}\n`;
    writeFileSync(file, before);
    const c = await pool({ knownHostsFiles: [file], hostKeyPolicy: 'accept-new' }).connect(target('s3'));
    expect((await c.exec('hostname')).stdout.toString()).toBe('s3\n');
    const after = readFileSync(file, 'utf8');
    expect(after.startsWith(before)).toBe(true);
    const added = after.slice(before.length).trim().split('\n');
    expect(added).toHaveLength(1);
    expect(added[0]).toMatch(new RegExp(`^${lab.host('s3').ip.replace(/\./g, '\\.')} ssh-ed25519 `));
    const again = await pool({ knownHostsFiles: [file] }).connect(target('s3'));
    expect((await again.exec('true')).exitCode).toBe(0);
  });

  it('refuses a changed host key even with accept-new, naming both fingerprints', async () => {
    const file = join(tmp, 'changed_known_hosts');
    copyFileSync(lab.knownHostsFile, file);
    const oldFp = await hostFingerprint('s4');
    await lab.rotateHostKey('s4');
    const newFp = await hostFingerprint('s4');
    expect(newFp).not.toBe(oldFp);
    for (const hostKeyPolicy of ['strict', 'accept-new'] as const) {
      const bus = new EventBus();
      const seen = connectingEvents(bus);
      const err = await failure(
        pool({ knownHostsFiles: [file], hostKeyPolicy, retries: 2 }, bus).connect(target('s4')),
      );
      expect(err.code).toBe('hostkey');
      expect(err.retryable).toBe(false);
      expect(err.message).toContain('HOST KEY CHANGED for s4');
      expect(err.message).toContain(oldFp);
      expect(err.message).toContain(newFp);
      // The hint edits the known_hosts file in use, not ~/.ssh/known_hosts.
      expect(err.hint).toContain(`ssh-keygen -R ${lab.host('s4').ip} -f ${file}`);
      expect(seen).toEqual(['s4']);
    }
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(lab.knownHostsFile, 'utf8'));
    await lab.refreshKnownHosts();
  });

  it('logs in with a password as the non-root user', async () => {
    const warnings: string[] = [];
    const p = pool({ password: lab.password, warn: (m) => warnings.push(m) });
    const c = await p.connect(target('s1', { user: 'fleet', identityFiles: [join(tmp, 'no-such-key')] }));
    expect((await c.exec('whoami')).stdout.toString()).toBe('fleet\n');
    expect(warnings.join('\n')).toContain('no-such-key');
    const wrong = await failure(
      pool({ password: 'wrong-password' }).connect(
        target('s2', { user: 'fleet', identityFiles: [join(tmp, 'no-such-key')] }),
      ),
    );
    expect(wrong.code).toBe('auth');
    expect(wrong.retryable).toBe(false);
    expect(wrong.message).not.toContain('wrong-password');
  });

  it('uses an encrypted key, asking for its passphrase once for all hosts', async () => {
    const prompts: string[] = [];
    const p = pool({
      askSecret: async (q) => {
        prompts.push(q);
        return lab.keyPassphrase;
      },
    });
    const conns = await Promise.all(
      ['s1', 's2'].map((n) => p.connect(target(n, { identityFiles: [lab.encryptedKeyFile] }))),
    );
    for (const c of conns) expect((await c.exec('id -u')).stdout.toString()).toBe('0\n');
    expect(prompts).toEqual([`Passphrase for ${lab.encryptedKeyFile}: `]);
  });

  it('runs --sudo with the password on stdin only, and kills the root process on timeout', async () => {
    const p = pool({ password: lab.password });
    const c = await p.connect(target('s2', { user: 'fleet', identityFiles: [join(tmp, 'no-such-key')] }));
    const id = await c.exec('id -u', { sudo: true });
    expect(id.stdout.toString()).toBe('0\n');
    expect(id.stderr.toString()).toBe('');
    // A command reading stdin must not receive the password.
    const stdin = await c.exec('cat', { sudo: true, stdin: 'payload' });
    expect(stdin.stdout.toString()).toBe('payload');

    const marker = `sudo-${randomBytes(4).toString('hex')}`;
    const running = c.exec(`sleep 300; : ${marker}`, { sudo: true, timeoutMs: 3000 });
    const ps = await waitForRemote('s2', marker);
    expect(ps).not.toContain(lab.password!);
    const r = await running;
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).toBeNull();
    const after = await remoteArgs('s2');
    expect(after).not.toContain(marker);
    expect(after).not.toContain('sleep 300');
  });

  it('refuses sudo with a wrong password as an auth failure', async () => {
    const p = pool({ password: lab.password });
    const c = await p.connect(target('s3', { user: 'fleet', identityFiles: [join(tmp, 'no-such-key')] }));
    const err = await failure(c.exec('id -u', { sudo: true, sudoPassword: 'not-the-password' }));
    expect(err.code).toBe('auth');
  });

  it('kills the remote process group on timeout and on abort', async () => {
    const c = await pool().connect(target('s3'));
    const marker = `t-${randomBytes(4).toString('hex')}`;
    const r = await c.exec(`sleep 300 & sleep 301; : ${marker}`, { timeoutMs: 1500 });
    expect(r).toMatchObject({ timedOut: true, aborted: false, exitCode: null });
    let ps = await remoteArgs('s3');
    expect(ps).not.toContain(marker);
    expect(ps).not.toMatch(/sleep 30[01]/);

    const abort = new AbortController();
    const marker2 = `a-${randomBytes(4).toString('hex')}`;
    const running = c.exec(`sleep 302; : ${marker2}`, { signal: abort.signal });
    await waitForRemote('s3', marker2);
    abort.abort();
    expect(await running).toMatchObject({ aborted: true, timedOut: false, exitCode: null });
    ps = await remoteArgs('s3');
    expect(ps).not.toContain(marker2);
    expect(ps).not.toContain('sleep 302');
  });

  it('kills a command whose exec request was still unanswered when the abort came', async () => {
    // sshd starts the command, then answers the exec request. A Ctrl-C whose abort event fired in
    // between (the answer on its way) found no listener yet: the command ran on, unkilled, and
    // exec's SIGINT test once found a `sleep 302` left behind. Here the abort fires exactly there:
    // inside the ssh2 callback that hands the new channel to fleet (test-only wrapper around the
    // connection's ssh2 client; sshd and the remote process are real).
    const c = await pool().connect(target('s3'));
    const client = (c as unknown as { client: Client }).client;
    const abort = new AbortController();
    const exec = client.exec.bind(client) as (cmd: string, cb: ClientCallback) => Client;
    client.exec = ((cmd: string, cb: ClientCallback) =>
      exec(cmd, (err, channel) => {
        abort.abort();
        cb(err, channel);
      })) as typeof client.exec;
    const marker = `g-${randomBytes(4).toString('hex')}`;
    const r = await c.exec(`sleep 20; : ${marker}`, { signal: abort.signal });
    expect(r).toMatchObject({ aborted: true, timedOut: false, exitCode: null });
    const ps = await remoteArgs('s3');
    expect(ps).not.toContain(marker);
  });

  it('reaches a host through a ProxyJump host over one forwarded channel', async () => {
    const p = pool();
    const c = await p.connect(target('s2', { proxyJump: target('s1') }));
    expect((await c.exec('hostname')).stdout.toString()).toBe('s2\n');
    const ss = await lab.exec('s2', `ss -Htn state established '( sport = :22 )'`);
    expect(ss.stdout).toContain(lab.host('s1').ip);
  });

  it('connects through an ssh_config ProxyCommand that relays, never around it', async () => {
    // A relay run inside s1's network namespace: the connection must reach s2 from s1's address,
    // and the relay logs every %h:%p it was asked for.
    const relay = join(tmp, 'relay.mjs');
    const log = join(tmp, 'relay.log');
    writeFileSync(
      relay,
      [
        "import net from 'node:net';",
        "import { appendFileSync } from 'node:fs';",
        'const [host, port, log] = process.argv.slice(2);',
        'appendFileSync(log, `${host}:${port}\\n`);',
        'const s = net.connect(Number(port), host);',
        'process.stdin.pipe(s);',
        's.pipe(process.stdout);',
        "s.on('error', (e) => { process.stderr.write(`relay: ${e.message}\\n`); process.exit(1); });",
        "s.on('close', () => process.exit(0));",
      ].join('\n'),
    );
    const ns = `/run/netns/${lab.host('s1').netns}`;
    const config = parseSshConfig(
      [
        'Host s2',
        `  ProxyCommand nsenter --net=${ns} ${process.execPath} ${relay} %h %p ${log}`,
        'Host s3',
        '  ProxyCommand sh -c "echo bastion unreachable >&2; exit 3"',
      ].join('\n'),
      '/test/ssh_config',
    );
    const warnings: string[] = [];
    const viaProxy = applySshConfig(target('s2'), config, { warn: (w) => warnings.push(w) });
    expect(warnings).toEqual([]);
    const c = await pool().connect(viaProxy);
    expect((await c.exec('hostname')).stdout.toString()).toBe('s2\n');
    expect(readFileSync(log, 'utf8')).toBe(`${lab.host('s2').ip}:${lab.host('s2').port}\n`);
    const ss = await lab.exec('s2', `ss -Htn state established '( sport = :22 )'`);
    expect(ss.stdout).toContain(lab.host('s1').ip);
    // s3 is reachable directly, but its ProxyCommand fails: fleet fails with the proxy's words instead
    // of connecting around it.
    const err = await failure(pool().connect(applySshConfig(target('s3'), config)));
    expect(err.code).toBe('connect');
    expect(err.message).toContain('ProxyCommand exited 3: bastion unreachable');
    expect(err.hint).toContain('echo bastion unreachable');
  });

  it('connects everything with a handshake cap of 1, jump hosts included (no deadlock)', async () => {
    const p = pool({ maxConcurrentHandshakes: 1 });
    const conns = await Promise.all([
      p.connect(target('s3', { proxyJump: target('s1') })),
      p.connect(target('s1')),
      p.connect(target('s2')),
    ]);
    const names = await Promise.all(
      conns.map(async (c) => (await c.exec('hostname')).stdout.toString().trim()),
    );
    expect(names).toEqual(['s3', 's1', 's2']);
  });

  it('gives a connect error after the configured retries when the host is stopped', async () => {
    await lab.stopHost('s4');
    try {
      const bus = new EventBus();
      const seen = connectingEvents(bus);
      const err = await failure(pool({ retries: 2, retryDelayMs: 50 }, bus).connect(target('s4')));
      expect(err.code).toBe('connect');
      expect(err.retryable).toBe(true);
      expect(err.message).toContain('ECONNREFUSED');
      expect(err.message).toContain('after 3 attempts');
      expect(seen).toEqual(['s4', 's4', 's4']);
    } finally {
      await lab.startHost('s4');
    }
  });

  it('gives a timeout or connect error when the link is cut', async () => {
    await lab.cutLink('s1');
    try {
      const err = await failure(pool({ connectTimeoutMs: 1500 }).connect(target('s1')));
      expect(['timeout', 'connect']).toContain(err.code);
      expect(err.host).toBe('s1');
      expect(err.retryable).toBe(true);
    } finally {
      await lab.restoreLink('s1');
    }
  });
});
