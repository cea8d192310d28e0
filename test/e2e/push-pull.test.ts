/**
 * `fleet push` and `fleet pull` (issue 12) against a 2-host lab (id `xfer`, subnet 32): a tree with
 * modes, mtimes, an empty directory and a name with spaces, verified on the hosts with sha256sum and
 * stat; re-runs that skip; a host stopped mid-push and a Ctrl-C mid-push that leave the old file;
 * --sudo as a non-root user with the password only on stdin; the built CLI spreading the hosts over
 * worker threads (every host verified, Ctrl-C reaching every thread); pull into LOCALDIR/<host>/.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostTarget } from '../../src/core/host.js';
import { pollUntil } from '../../src/core/poll.js';
import { run as push } from '../../src/ops/push/run.js';
import { run as pull } from '../../src/ops/pull/run.js';
import { startLab, type Lab } from '../lab/index.js';
import { schemaValidator } from '../helpers/report-schema.js';
import { labSsh, labTarget, testRuntime } from '../helpers/runtime.js';
import { ensureBuilt, FLEET, fleetEnv, runFleet, scratchDir } from './exec-helpers.js';

const PASSWORD = `pw-${randomBytes(6).toString('hex')}`;
let lab: Lab;
let src: string;

const sha = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const target = (name: string): HostTarget => labTarget(lab, name);
const both = () => [target('p1'), target('p2')];
const validateTransfer = schemaValidator('transfer-report.schema.json');

async function sh(host: string, command: string): Promise<string> {
  const r = await lab.exec(host, command);
  if (r.code !== 0) throw new Error(`${host}: ${command}: ${r.stderr}`);
  return r.stdout;
}

beforeAll(async () => {
  lab = await startLab({
    id: 'xfer',
    subnet: 32,
    password: PASSWORD,
    hosts: [
      { name: 'p1', docker: false },
      { name: 'p2', docker: false },
    ],
  });
  src = join(scratchDir('push-src'), 'tree');
  mkdirSync(join(src, 'bin'), { recursive: true });
  mkdirSync(join(src, 'conf/deep/er'), { recursive: true });
  mkdirSync(join(src, 'empty'));
  writeFileSync(join(src, 'bin/run.sh'), '#!/bin/sh\necho hi\n');
  chmodSync(join(src, 'bin/run.sh'), 0o755);
  writeFileSync(join(src, 'conf/secret.conf'), 'token=abc\n');
  chmodSync(join(src, 'conf/secret.conf'), 0o600);
  writeFileSync(join(src, 'conf/deep/er/a file with spaces.txt'), 'spaces\n');
  writeFileSync(join(src, 'big.bin'), randomBytes(3 * 1024 * 1024));
  chmodSync(join(src, 'big.bin'), 0o640);
  utimesSync(join(src, 'big.bin'), 1_650_000_000, 1_650_000_000);
  writeFileSync(join(src, 'zero'), '');
  utimesSync(join(src, 'conf/secret.conf'), 1_600_000_000, 1_600_000_000);
}, 120_000);

afterAll(async () => {
  await lab?.down();
});

describe('fleet push', () => {
  it('pushes a tree with modes, mtimes, an empty dir and spaces; sha256 checked on every host', async () => {
    const rt = testRuntime({ ssh: labSsh(lab) });
    try {
      const { result } = await push(
        { sources: [src], dest: '/srv/app/', hosts: both(), concurrency: 2, mkdir: true },
        rt,
      );
      expect(result.hosts.map((h) => [h.id, h.status, h.files_sent, h.sha256_verified])).toEqual([
        ['p1', 'success', 5, 5],
        ['p2', 'success', 5, 5],
      ]);
      expect(validateTransfer(result), JSON.stringify(validateTransfer.errors)).toBe(true);
      for (const host of ['p1', 'p2']) {
        const sums = await sh(
          host,
          `cd /srv/app/tree && find . -type f | sort | tr '\\n' '\\0' | xargs -0 sha256sum`,
        );
        const expected = [
          './big.bin',
          './bin/run.sh',
          './conf/deep/er/a file with spaces.txt',
          './conf/secret.conf',
          './zero',
        ]
          .map((p) => `${sha(readFileSync(join(src, p)))}  ${p}`)
          .join('\n');
        expect(sums.trim()).toBe(expected);
        expect(
          (
            await sh(
              host,
              'stat -c %a /srv/app/tree/bin/run.sh /srv/app/tree/conf/secret.conf /srv/app/tree/big.bin',
            )
          ).split('\n'),
        ).toEqual(['755', '600', '640', '']);
        expect(
          (await sh(host, 'stat -c %Y /srv/app/tree/conf/secret.conf /srv/app/tree/big.bin')).trim(),
        ).toBe('1600000000\n1650000000');
        expect((await sh(host, '[ -d /srv/app/tree/empty ] && echo dir')).trim()).toBe('dir');
        expect(await sh(host, 'find /srv/app -name ".*.fleet-*"')).toBe('');
      }
      const progress = rt.events.filter((e) => e.type === 'host:progress' && e.host === 'p1');
      expect(progress.at(-1)).toMatchObject({ done: 3 * 1024 * 1024 + 35, total: 3 * 1024 * 1024 + 35 });
    } finally {
      await rt.close();
    }
  });

  it('a re-run skips every file; a changed file is the only one sent', async () => {
    const rt = testRuntime({ ssh: labSsh(lab) });
    try {
      const again = await push({ sources: [src], dest: '/srv/app/', hosts: both(), concurrency: 2 }, rt);
      expect(again.result.hosts.map((h) => [h.files_sent, h.files_skipped, h.bytes_sent])).toEqual([
        [0, 5, 0],
        [0, 5, 0],
      ]);
      writeFileSync(join(src, 'bin/run.sh'), '#!/bin/sh\necho changed\n');
      const changed = await push({ sources: [src], dest: '/srv/app/', hosts: both(), concurrency: 2 }, rt);
      expect(changed.result.hosts.map((h) => [h.status, h.files_sent, h.files_skipped])).toEqual([
        ['success', 1, 4],
        ['success', 1, 4],
      ]);
      expect(await sh('p2', 'cat /srv/app/tree/bin/run.sh')).toBe('#!/bin/sh\necho changed\n');
      const forced = await push(
        { sources: [src], dest: '/srv/app/', hosts: [target('p1')], concurrency: 1, force: true },
        rt,
      );
      expect(forced.result.hosts[0]).toMatchObject({ files_sent: 5, files_skipped: 0, sha256_verified: 5 });
    } finally {
      await rt.close();
    }
  });

  it('a host stopped mid-push fails, the other completes, and the stopped host keeps its old file', async () => {
    const dir = scratchDir('push-big');
    const file = join(dir, 'blob.bin');
    writeFileSync(file, 'old contents\n');
    const rt0 = testRuntime({ ssh: labSsh(lab) });
    await push({ sources: [file], dest: '/srv/blob.bin', hosts: both(), concurrency: 2 }, rt0);
    await rt0.close();
    // p2's link is held to 40 Mbit/s, so its 24 MB take about 5 s: stopping the host (which scans /proc,
    // slow on a loaded machine) always lands mid-transfer, never after the rename.
    const big = randomBytes(24 * 1024 * 1024);
    writeFileSync(file, big);
    await lab.throttleLink('p2', 40);
    const rt = testRuntime({ ssh: labSsh(lab, { retries: 0 }) });
    let stopped: Promise<void> | undefined;
    rt.bus.subscribe((e) => {
      if (!stopped && e.type === 'host:progress' && e.host === 'p2' && e.done > 0)
        stopped = lab.stopHost('p2');
    });
    try {
      const { result } = await push(
        { sources: [file], dest: '/srv/blob.bin', hosts: both(), concurrency: 2 },
        rt,
      );
      await stopped;
      expect(result.hosts[0]).toMatchObject({
        id: 'p1',
        status: 'success',
        files_sent: 1,
        sha256_verified: 1,
      });
      expect(result.hosts[1]).toMatchObject({ id: 'p2', status: 'failed' });
      expect(result.hosts[1]!.error).toMatch(/p2/);
      expect(validateTransfer(result), JSON.stringify(validateTransfer.errors)).toBe(true);
      expect(result.devices.map((d) => d.status)).toEqual(['success', 'failed']);
      expect((await sh('p1', 'sha256sum < /srv/blob.bin')).slice(0, 64)).toBe(sha(big));
    } finally {
      await rt.close();
      await lab.throttleLink('p2', null);
      await lab.startHost('p2');
    }
    expect(await sh('p2', 'cat /srv/blob.bin')).toBe('old contents\n');
    // The killed transfer's temp file is removed by the next push of that file.
    const rt2 = testRuntime({ ssh: labSsh(lab) });
    try {
      const { result } = await push(
        { sources: [file], dest: '/srv/blob.bin', hosts: [target('p2')], concurrency: 1 },
        rt2,
      );
      expect(result.hosts[0]).toMatchObject({ status: 'success', files_sent: 1 });
      expect(await sh('p2', 'ls -A /srv | grep fleet- || true')).toBe('');
    } finally {
      await rt2.close();
    }
  });

  it('Ctrl-C mid-push: interrupted, old file intact, temp file removed on the host', async () => {
    const dir = scratchDir('push-abort');
    const file = join(dir, 'abort.bin');
    writeFileSync(file, 'before\n');
    const rt0 = testRuntime({ ssh: labSsh(lab) });
    await push({ sources: [file], dest: '/srv/abort.bin', hosts: [target('p1')], concurrency: 1 }, rt0);
    await rt0.close();
    writeFileSync(file, randomBytes(48 * 1024 * 1024));
    const rt = testRuntime({ ssh: labSsh(lab) });
    rt.bus.subscribe((e) => {
      if (e.type === 'host:progress' && e.done > 1024 * 1024 && !rt.signal.aborted) rt.abort();
    });
    try {
      const { result } = await push(
        { sources: [file], dest: '/srv/abort.bin', hosts: [target('p1')], concurrency: 1 },
        rt,
      );
      expect(result.was_interrupted).toBe(true);
      expect(result.hosts[0]).toMatchObject({ status: 'interrupted', files_sent: 0 });
    } finally {
      await rt.close();
    }
    expect(await sh('p1', 'cat /srv/abort.bin')).toBe('before\n');
    expect(await sh('p1', 'ls -A /srv | grep fleet- || true')).toBe('');
  });

  it('--sudo as a non-root user into a root-owned folder: owner set, password never in a report or command line', async () => {
    await sh('p1', 'mkdir -p /srv/rootonly && chmod 755 /srv/rootonly && chown root:root /srv/rootonly');
    const cwd = scratchDir('push-sudo');
    const file = join(cwd, 'daemon.json');
    writeFileSync(file, '{"log-driver":"json-file"}\n');
    await ensureBuilt();
    // A watcher on the host records every command line while the push runs.
    await sh(
      'p1',
      'rm -f /tmp/cmdlines; (for i in $(seq 1 200); do cat /proc/[0-9]*/cmdline 2>/dev/null | tr "\\0" " " >>/tmp/cmdlines; sleep 0.02; done) >/dev/null 2>&1 &',
    );
    const res = await runFleet(
      lab,
      [
        'push',
        '-n',
        'fleet@p1',
        '--sudo',
        '--owner',
        'root:root',
        '--mode',
        '0640',
        '--json',
        file,
        '/srv/rootonly/',
      ],
      { cwd, env: { FLEET_SSH_PASSWORD: PASSWORD, FLEET_SUDO_PASSWORD: PASSWORD } },
    );
    expect(res.exitCode, res.stderr).toBe(0);
    const report = JSON.parse(res.stdout) as { hosts: { status: string; files_sent: number }[] };
    expect(report.hosts[0]).toMatchObject({ status: 'success', files_sent: 1 });
    expect((await sh('p1', 'stat -c "%U:%G %a" /srv/rootonly/daemon.json')).trim()).toBe('root:root 640');
    await new Promise((r) => setTimeout(r, 4500));
    const cmdlines = await sh('p1', 'cat /tmp/cmdlines');
    expect(cmdlines).toContain('fleet-push-receive');
    expect(cmdlines).not.toContain(PASSWORD);
    for (const name of readdirSync(join(cwd, 'reports'))) {
      expect(readFileSync(join(cwd, 'reports', name), 'utf8')).not.toContain(PASSWORD);
    }
    expect(res.stdout + res.stderr).not.toContain(PASSWORD);
  });

  it('refuses a relative DEST and a missing parent without --mkdir, naming them', async () => {
    const rt = testRuntime({ ssh: labSsh(lab) });
    try {
      await expect(
        push({ sources: [src], dest: 'srv/x', hosts: both(), concurrency: 2 }, rt),
      ).rejects.toThrow(/DEST "srv\/x" must be an absolute path/);
      const { result } = await push(
        { sources: [join(src, 'zero')], dest: '/srv/nowhere/zero', hosts: [target('p1')], concurrency: 1 },
        rt,
      );
      expect(result.hosts[0]).toMatchObject({
        status: 'failed',
        error: expect.stringMatching(/\/srv\/nowhere does not exist on p1.*--mkdir/),
      });
    } finally {
      await rt.close();
    }
  });
});

describe('fleet push from worker threads (the built CLI, FLEET_PUSH_THREADS=2)', () => {
  // Types, modes and sha256 of every entry below the pushed tree, the same listing on both sides.
  const LISTING =
    "find . -printf '%y %m %p\\n' | sort && find . -type f -print0 | sort -z | xargs -0 sha256sum";

  it('one thread per host: every host has every file with its mode and sha256, checked on the host', async () => {
    await ensureBuilt();
    const cwd = scratchDir('push-threads');
    const res = await runFleet(lab, ['push', '-n', 'p1,p2', '--mkdir', src, '/srv/threads/'], {
      cwd,
      env: { FLEET_PUSH_THREADS: '2' },
    });
    expect(res.exitCode, res.stderr).toBe(0);
    // The plain view writes log lines to stderr.
    expect(res.stderr).toMatch(/to 2 hosts from 2 threads/);
    const local = (await execa('sh', ['-c', LISTING], { cwd: src })).stdout;
    for (const host of ['p1', 'p2'])
      expect((await sh(host, `cd /srv/threads/tree && ${LISTING}`)).trim()).toBe(local.trim());
    const [name] = readdirSync(join(cwd, 'reports')).filter((n) => n.startsWith('push-'));
    const report = JSON.parse(readFileSync(join(cwd, 'reports', name!), 'utf8')) as {
      hosts: { id: string; status: string; files_sent: number; sha256_verified: number }[];
    };
    expect(validateTransfer(report), JSON.stringify(validateTransfer.errors)).toBe(true);
    expect(report.hosts.map((h) => [h.id, h.status, h.sha256_verified === h.files_sent])).toEqual([
      ['p1', 'success', true],
      ['p2', 'success', true],
    ]);
    expect(report.hosts[0]!.files_sent).toBeGreaterThan(0);
  });

  it('Ctrl-C reaches every thread: interrupted (exit 130), old files intact, no temp file left', async () => {
    const dir = scratchDir('push-threads-abort');
    const file = join(dir, 'ctrlc.bin');
    writeFileSync(file, 'before\n');
    const rt0 = testRuntime({ ssh: labSsh(lab) });
    await push({ sources: [file], dest: '/srv/ctrlc.bin', hosts: both(), concurrency: 2 }, rt0);
    await rt0.close();
    writeFileSync(file, randomBytes(24 * 1024 * 1024));
    // 40 Mbit/s links: the 24 MB take ~5 s, so the interrupt lands while both hosts are writing.
    await Promise.all([lab.throttleLink('p1', 40), lab.throttleLink('p2', 40)]);
    try {
      const child = execa(process.execPath, [FLEET, 'push', '-n', 'p1,p2', file, '/srv/ctrlc.bin'], {
        cwd: dir,
        env: fleetEnv(lab, { FLEET_PUSH_THREADS: '2' }),
        extendEnv: false,
        reject: false,
        stdin: 'ignore',
      });
      const writing = async (host: string) => (await sh(host, 'ls -A /srv')).includes('.ctrlc.bin.fleet-');
      await pollUntil(
        'both hosts writing their temp file',
        async () => ((await writing('p1')) && (await writing('p2')) ? true : undefined),
        { timeoutMs: 60_000, signal: new AbortController().signal, initialDelayMs: 50 },
      );
      child.kill('SIGINT');
      const res = await child;
      expect(res.exitCode, res.stderr).toBe(130);
      expect(res.stderr).toMatch(/to 2 hosts from 2 threads/);
    } finally {
      await Promise.all([lab.throttleLink('p1', null), lab.throttleLink('p2', null)]);
    }
    for (const host of ['p1', 'p2']) {
      expect(await sh(host, 'cat /srv/ctrlc.bin')).toBe('before\n');
      await pollUntil(
        `${host}'s temp file removed`,
        async () => ((await sh(host, 'ls -A /srv')).includes('fleet-') ? undefined : true),
        { timeoutMs: 30_000, signal: new AbortController().signal },
      );
    }
  });
});

describe('fleet pull', () => {
  it('gathers a directory from every host into LOCALDIR/<host>/ with modes and mtimes; a re-run skips', async () => {
    await sh('p1', 'echo one > /srv/app/tree/host.txt');
    await sh('p2', 'echo two > /srv/app/tree/host.txt');
    const local = scratchDir('pull');
    const rt = testRuntime({ ssh: labSsh(lab) });
    try {
      const { result } = await pull(
        { remote: '/srv/app/tree', localDir: local, hosts: both(), concurrency: 2 },
        rt,
      );
      expect(result.hosts.map((h) => [h.id, h.status, h.files_sent, h.sha256_verified])).toEqual([
        ['p1', 'success', 6, 6],
        ['p2', 'success', 6, 6],
      ]);
      expect(validateTransfer(result), JSON.stringify(validateTransfer.errors)).toBe(true);
      expect(readFileSync(join(local, 'p1/tree/host.txt'), 'utf8')).toBe('one\n');
      expect(readFileSync(join(local, 'p2/tree/host.txt'), 'utf8')).toBe('two\n');
      expect(readFileSync(join(local, 'p2/tree/big.bin')).equals(readFileSync(join(src, 'big.bin')))).toBe(
        true,
      );
      expect(readFileSync(join(local, 'p1/tree/conf/deep/er/a file with spaces.txt'), 'utf8')).toBe(
        'spaces\n',
      );
      const secret = statSync(join(local, 'p1/tree/conf/secret.conf'));
      expect(secret.mode & 0o777).toBe(0o600);
      expect(Math.floor(secret.mtimeMs / 1000)).toBe(1_600_000_000);
      const again = await pull(
        { remote: '/srv/app/tree', localDir: local, hosts: both(), concurrency: 2 },
        rt,
      );
      expect(again.result.hosts.map((h) => [h.files_sent, h.files_skipped])).toEqual([
        [0, 6],
        [0, 6],
      ]);
      const one = await pull(
        { remote: '/srv/app/tree/host.txt', localDir: local, hosts: [target('p2')], concurrency: 1 },
        rt,
      );
      expect(one.result.hosts[0]).toMatchObject({ status: 'success', files_sent: 1 });
      expect(readFileSync(join(local, 'p2/host.txt'), 'utf8')).toBe('two\n');
      const missing = await pull(
        { remote: '/srv/none', localDir: local, hosts: [target('p1')], concurrency: 1 },
        rt,
      );
      expect(missing.result.hosts[0]).toMatchObject({
        status: 'failed',
        error: expect.stringMatching(/\/srv\/none does not exist/),
      });
    } finally {
      await rt.close();
    }
  });
});
