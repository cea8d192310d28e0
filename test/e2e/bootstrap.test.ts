/**
 * `fleet bootstrap` (issue 14) against a lab (id `boot`, subnet 38) of two installing hosts: `bare`,
 * whose own view lacks Docker (docker.io removed from its dpkg database and /usr overlay), and `gpu`,
 * which presents an NVIDIA runtime (stand-ins registered in daemon.json the way nvidia-docker2 does,
 * next to a key of the user's own). The `fleet` user logs in with its password only (the lab key is
 * root's). The .debs are real: fetched by the test from the Debian mirror this machine reaches.
 * Installing hosts have their own /usr and a policy-rc.d, so the machine's dockerd is never touched:
 * the last test checks its sha256.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../lab/index.js';
import { ensureBuilt, runFleet, scratchDir } from './exec-helpers.js';

let lab: Lab;
let work: string;
let debs: string;
const PASSWORD = `pw-${Math.random().toString(36).slice(2)}-boot`;
/** The machine's own Docker binaries, hashed before the lab starts. */
const MACHINE_FILES = [
  '/usr/sbin/dockerd',
  '/usr/bin/docker',
  '/usr/local/bin/docker',
  '/usr/bin/containerd',
];
const machineSums = new Map<string, string>();
const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

async function sh(host: string, command: string): Promise<string> {
  const r = await lab.exec(host, command);
  if (r.code !== 0) throw new Error(`${host}: ${command}: ${r.stderr}`);
  return r.stdout.trim();
}

/** docker.io from apt's cache when it is there, else `apt-get download` from the mirror. */
async function fetchDebs(dir: string): Promise<void> {
  const version = (
    await execa('dpkg-query', ['-W', '-f=${Version}', 'docker.io'], { reject: false })
  ).stdout.trim();
  const cached = readdirSync('/var/cache/apt/archives').find(
    (f) => f.startsWith('docker.io_') && f.endsWith('.deb') && f.includes(version.replace(/^\d+:/, '')),
  );
  if (cached) copyFileSync(join('/var/cache/apt/archives', cached), join(dir, cached));
  else await execa('apt-get', ['download', '-q', 'docker.io'], { cwd: dir, timeout: 300_000 });
}

const root = (name: string): string =>
  `  - { id: ${name}, name: ${name}, ip: ${lab.host(name).ip}, type: x86 }`;

beforeAll(async () => {
  for (const f of MACHINE_FILES) if (existsSync(f)) machineSums.set(f, sha256(f));
  await ensureBuilt();
  work = scratchDir('boot');
  debs = scratchDir('boot-debs');
  const [started] = await Promise.all([
    startLab({
      id: 'boot',
      subnet: 38,
      hosts: [
        { name: 'bare', docker: false, installs: true },
        { name: 'gpu', nvidia: true },
      ],
      password: PASSWORD,
    }),
    fetchDebs(debs),
  ]);
  lab = started;
  writeFileSync(
    join(work, 'fleet-user.yml'),
    `defaults: { user: fleet, port: 22 }\nnodes:\n  - { id: bare, name: bare, ip: ${lab.host('bare').ip}, type: x86 }\n`,
  );
  writeFileSync(
    join(work, 'nodes.yml'),
    `defaults: { user: root, port: 22 }\nnodes:\n${root('bare')}\n${root('gpu')}\n`,
  );
}, 400_000);

afterAll(async () => {
  await lab?.down();
});

const fleet = (args: string[], env: Record<string, string> = {}) =>
  runFleet(lab, args, { cwd: work, env: { FLEET_SSH_RETRIES: '0', ...env } });

function lastReport(): {
  hosts: { id: string; status: string; changes: string[]; notes: string[]; default_runtime: string | null }[];
  ports: { probes: number; ok: number; blocked: string[] } | null;
} {
  const dir = join(work, 'reports');
  const name = readdirSync(dir)
    .filter((f) => f.startsWith('bootstrap-'))
    .sort()
    .pop()!;
  return JSON.parse(readFileSync(join(dir, name), 'utf8')) as ReturnType<typeof lastReport>;
}

describe('fleet bootstrap', () => {
  it('--authorize-key on a password-only host, then installs Docker there from --packages', async () => {
    // Before: the fleet user has no key login (and no terminal to ask a password on).
    const before = await fleet(['exec', '-f', 'fleet-user.yml', '--all', '--', 'id -un']);
    expect(before.exitCode).toBe(3);
    expect(await sh('bare', 'command -v dockerd || echo none')).toBe('none');

    const r = await fleet(
      ['bootstrap', '-f', 'fleet-user.yml', '--all', '--authorize-key', '--docker-group', '--packages', debs],
      { FLEET_SSH_PASSWORD: PASSWORD },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/\[change\] bare: install \S+\.pub in ~fleet\/\.ssh\/authorized_keys/);
    expect(r.stderr).toMatch(/install the Docker engine from 1 \.deb files \(docker\.io_/);
    const report = readFileSync(
      join(work, 'reports', readdirSync(join(work, 'reports')).sort().pop()!),
      'utf8',
    );
    for (const text of [r.stdout, r.stderr, report]) expect(text).not.toContain(PASSWORD);

    // After: the key works without any password, and the host's own view has the engine running.
    const after = await fleet(['exec', '-f', 'fleet-user.yml', '--all', '--', 'id -un']);
    expect(after.exitCode, after.stderr).toBe(0);
    expect(after.stdout).toContain('bare: fleet');
    expect(await sh('bare', "dpkg-query -W -f='${db:Status-Abbrev}' docker.io")).toBe('ii');
    expect((await sh('bare', 'id -nG fleet')).split(' ')).toContain('docker');
    expect(await sh('bare', "docker info --format '{{.ServerVersion}}'")).toMatch(/^20\.10\./);
    const json = JSON.parse(await sh('bare', 'cat /etc/docker/daemon.json')) as Record<string, unknown>;
    expect(json['log-opts']).toEqual({ 'max-size': '10m', 'max-file': '3' });
    expect(lastReport().hosts[0]).toMatchObject({ id: 'bare', status: 'changed', default_runtime: 'runc' });
  }, 600_000);

  it('--dry-run prints the plan of the GPU host (the daemon.json diff) and changes nothing', async () => {
    const jsonBefore = await sh('gpu', 'cat /etc/docker/daemon.json');
    const pid = await sh('gpu', 'cat /run/docker.pid');
    const r = await fleet(['bootstrap', '-n', 'gpu', '--dry-run']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      '[would change] gpu: merge /etc/docker/daemon.json (3 changes, the old file kept as a backup)',
    );
    expect(r.stderr).toContain(
      'gpu:   + default-runtime: "nvidia" (swarm services see the GPU only through the default runtime)',
    );
    expect(r.stderr).toContain('[would change] gpu: restart docker to apply daemon.json');
    expect(await sh('gpu', 'cat /etc/docker/daemon.json')).toBe(jsonBefore);
    expect(await sh('gpu', 'cat /run/docker.pid')).toBe(pid);
    expect(await sh('gpu', 'ls /etc/docker')).not.toMatch(/fleet-backup/);
  }, 120_000);

  it('sets the NVIDIA default runtime, keeping the user key and the old file as a backup', async () => {
    const jsonBefore = await sh('gpu', 'cat /etc/docker/daemon.json');
    const r = await fleet(['bootstrap', '-n', 'gpu']);
    expect(r.exitCode, r.stderr).toBe(0);
    const json = JSON.parse(await sh('gpu', 'cat /etc/docker/daemon.json')) as Record<string, unknown>;
    expect(json['max-concurrent-downloads']).toBe(2);
    expect(json.runtimes).toEqual({ nvidia: { path: 'nvidia-container-runtime', runtimeArgs: [] } });
    expect(json['default-runtime']).toBe('nvidia');
    expect(await sh('gpu', 'cat /etc/docker/daemon.json.fleet-backup-*')).toBe(jsonBefore);
    expect(await sh('gpu', "docker info --format '{{.DefaultRuntime}}'")).toBe('nvidia');
    const row = lastReport().hosts[0]!;
    expect(row).toMatchObject({ id: 'gpu', status: 'changed', default_runtime: 'nvidia' });
    expect(row.notes.join('\n')).toMatch(/GPU container check skipped: no CUDA or L4T image on the node/);
    // A container still runs through the stand-in runtime (runc underneath).
    await lab.importImage('gpu');
    expect(await sh('gpu', 'docker run --rm fleet-lab/busybox echo via-nvidia')).toBe('via-nvidia');
  }, 300_000);

  it('a re-run changes nothing and restarts nothing; the ports between the hosts answer', async () => {
    const pids = [await sh('bare', 'cat /run/docker.pid'), await sh('gpu', 'cat /run/docker.pid')];
    const r = await fleet(['bootstrap', '--all']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/\[change\]/);
    const report = lastReport();
    expect(report.hosts.map((h) => [h.id, h.status, h.changes])).toEqual([
      ['bare', 'unchanged', []],
      ['gpu', 'unchanged', []],
    ]);
    expect([await sh('bare', 'cat /run/docker.pid'), await sh('gpu', 'cat /run/docker.pid')]).toEqual(pids);
    // Neither host is in a swarm, so every port has a responder: 2 × 4 probes, all answered (UDP too).
    expect(report.ports).toMatchObject({ probes: 8, ok: 8, blocked: [] });
  }, 300_000);

  it('a blocked port is named, host to host, by bootstrap (exit 4) and by up before any join', async () => {
    // Rules in gpu's own network namespace only: datagrams to 4789 and connects to 2377 are dropped.
    await sh(
      'gpu',
      'iptables -I INPUT -p udp --dport 4789 -j DROP && iptables -I INPUT -p tcp --dport 2377 -j DROP',
    );
    try {
      const r = await fleet(['bootstrap', '--all']);
      expect(r.exitCode, r.stderr).toBe(4);
      expect(r.stderr).toContain('bare → gpu 4789/udp: no answer to 3 datagrams (dropped by a firewall?)');
      expect(r.stderr).toContain(
        'bare → gpu 2377/tcp: no answer to the TCP connect (dropped by a firewall?)',
      );
      expect(r.stderr).not.toContain('gpu → bare 4789/udp: no answer');
      const plan = await fleet(['plan', '--all']);
      expect(plan.stderr).toContain('swarm port blocked: bare → gpu 4789/udp: no answer to 3 datagrams');
    } finally {
      await sh(
        'gpu',
        'iptables -D INPUT -p udp --dport 4789 -j DROP; iptables -D INPUT -p tcp --dport 2377 -j DROP',
      );
    }
  }, 300_000);

  it("the machine's own Docker binaries are unchanged and no policy-rc.d was left on it", () => {
    expect(machineSums.size).toBeGreaterThan(0);
    for (const [file, sum] of machineSums) expect(`${file} ${sha256(file)}`).toBe(`${file} ${sum}`);
    expect(
      existsSync('/usr/sbin/policy-rc.d') &&
        readFileSync('/usr/sbin/policy-rc.d', 'utf8').includes('fleet lab'),
    ).toBe(false);
  });
});
