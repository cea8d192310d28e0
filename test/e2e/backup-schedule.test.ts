/**
 * `fleet backup schedule` (issue 14) on a one-host lab (id `bsc`, subnet 42): the timer and service
 * are written to a folder the test owns (--unit-dir), pass `systemd-analyze verify`, hold no secret
 * from the environment, and the service's ExecStart, run once as systemd would (its folder, its
 * Environment=), produces a complete backup and the usual report.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as clean } from '../../src/ops/clean/run.js';
import { labSsh, labTarget, testRuntime } from '../helpers/runtime.js';
import { startLab, type Lab } from '../lab/index.js';
import { ensureBuilt, runFleet, scratchDir } from './exec-helpers.js';

let lab: Lab;
let cwd: string;
let units: string;
const SECRET = 'fleet-test-s3-secret-5d1c0e';
const KEY_ID = 'AKIAFLEETTEST0000001';

beforeAll(async () => {
  await ensureBuilt();
  lab = await startLab({ id: 'bsc', subnet: 42, hosts: [{ name: 'h1' }] });
  cwd = scratchDir('backup-schedule');
  units = join(cwd, 'units');
  lab.writeInventory(join(cwd, 'nodes.yml'));
}, 600_000);

afterAll(async () => {
  await lab?.down();
});

const schedule = (args: string[], env: Record<string, string> = {}) =>
  runFleet(lab, ['backup', 'schedule', '--unit-dir', units, ...args], {
    cwd,
    env: { AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET, ...env },
  });

/** `Key=value` lines of a unit file. */
const values = (text: string, key: string): string[] =>
  text
    .split('\n')
    .filter((l) => l.startsWith(`${key}=`))
    .map((l) => l.slice(key.length + 1));

describe('fleet backup schedule', () => {
  it('writes a verified timer + service without secrets, whose ExecStart makes a backup', async () => {
    const r = await schedule([
      '--every',
      '6h',
      '--keep',
      '2',
      '--to',
      'backups',
      '--only',
      'paths',
      '--path',
      '/etc/hostname',
      '-n',
      'h1',
    ]);
    expect(r.stderr).toContain(`wrote ${units}/fleet-backup.service`);
    expect(r.exitCode).toBe(0);
    const service = readFileSync(join(units, 'fleet-backup.service'), 'utf8');
    const timer = readFileSync(join(units, 'fleet-backup.timer'), 'utf8');
    // systemd's own checker (no running systemd needed): exit 0, nothing said.
    const verify = spawnSync(
      'systemd-analyze',
      ['verify', join(units, 'fleet-backup.service'), join(units, 'fleet-backup.timer')],
      {
        encoding: 'utf8',
      },
    );
    expect(verify.stderr).toBe('');
    expect(verify.status).toBe(0);
    for (const text of [service, timer]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(KEY_ID);
    }
    expect(values(timer, 'OnCalendar')).toEqual(['*-*-* 00/6:00:00']);
    expect(values(service, 'EnvironmentFile')).toEqual(['-/etc/fleet/backup.env']);
    const exec = values(service, 'ExecStart')[0]!;
    expect(exec).toMatch(/ backup --keep 2 --to backups --only paths --path \/etc\/hostname --nodes h1$/);

    // Run it once the way systemd would: in WorkingDirectory, with only the unit's Environment=.
    const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
    for (const kv of values(service, 'Environment'))
      env[kv.slice(0, kv.indexOf('='))] = kv.slice(kv.indexOf('=') + 1);
    const out = spawnSync('sh', ['-c', exec], {
      cwd: values(service, 'WorkingDirectory')[0],
      env,
      encoding: 'utf8',
    });
    expect(out.stderr).toMatch(/report: /);
    expect(out.status).toBe(0);
    const ids = readdirSync(join(cwd, 'backups'));
    expect(ids).toHaveLength(1);
    expect(existsSync(join(cwd, 'backups', ids[0]!, 'manifest.json'))).toBe(true);
    expect(readdirSync(join(cwd, 'reports')).some((f) => /^backup-.*\.json$/.test(f))).toBe(true);

    const list = await schedule(['--list']);
    expect(list.stdout).toMatch(/fleet-backup\s+\*-\*-\* 00\/6:00:00\s+no\s+.* backup --keep 2/);
  });

  it('refuses a unit that would carry a secret (nothing written) and removes a schedule', async () => {
    const r = await schedule(['--name', 'leak', '--every', '1d', '--to', `/tmp/${SECRET}`]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/fleet-backup-leak\.service would contain a secret; nothing was written/);
    expect(r.stderr).not.toContain(SECRET);
    expect(existsSync(join(units, 'fleet-backup-leak.service'))).toBe(false);

    const removed = await schedule(['--remove']);
    expect(removed.exitCode).toBe(0);
    expect(readdirSync(units)).toEqual([]);
    const bad = await schedule(['--every', '5m']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/--every 5m is too often/);
    expect(execFileSync('ls', [units]).toString()).toBe('');
  });
});

describe('fleet clean', () => {
  const sh = async (command: string): Promise<string> => {
    const r = await lab.exec('h1', command);
    if (r.code !== 0) throw new Error(`h1: ${command}: ${r.stderr}`);
    return r.stdout.trim();
  };
  const cleanOnce = async (apply: boolean) => {
    const rt = testRuntime({ ssh: labSsh(lab) });
    try {
      return await clean(
        {
          hosts: [labTarget(lab, 'h1')],
          managers: [labTarget(lab, 'h1')],
          apply,
          volumes: false,
          stopNonessential: false,
          concurrency: 2,
        },
        rt,
      );
    } finally {
      await rt.close();
    }
  };

  it('lists, then with --yes removes stopped containers and dangling images, keeping essential ones', async () => {
    const image = await lab.importImage('h1');
    await sh(
      `docker run --network none --name filler ${image} sh -c 'dd if=/dev/zero of=/big bs=1M count=4 2>/dev/null'`,
    );
    await sh(`docker create --network none --name stopped1 ${image} true >/dev/null`);
    await sh(
      `docker create --network none --label fleet.essential=true --name keepme ${image} true >/dev/null`,
    );
    const dangling = await sh('docker commit filler'); // no tag: a dangling image
    const listed = await cleanOnce(false);
    expect(listed.error).toBeUndefined();
    const h = listed.result.hosts[0]!;
    expect(h.containers.map((c) => c.name).sort()).toEqual(['filler', 'stopped1']);
    expect(h.kept.essential_containers).toEqual(['keepme']);
    expect(h.dangling_images.map((i) => i.id)).toEqual([dangling]);
    expect(h.reclaimable_bytes).toBeGreaterThan(4 * 1024 * 1024);
    expect(h.reclaimed_bytes).toBeNull();
    expect(listed.result.devices[0]!.status).toBe('success');
    // Nothing removed without --yes.
    expect(await sh("docker ps -a --format '{{.Names}}' | sort | tr '\\n' ' '")).toBe(
      'filler keepme stopped1',
    );

    const applied = await cleanOnce(true);
    expect(applied.error).toBeUndefined();
    const a = applied.result.hosts[0]!;
    expect(a.skipped).toEqual([]);
    expect(a.reclaimed_bytes).toBeGreaterThan(4 * 1024 * 1024);
    expect(applied.result.reclaimed_bytes).toBe(a.reclaimed_bytes);
    expect(await sh("docker ps -a --format '{{.Names}}'")).toBe('keepme');
    expect((await lab.exec('h1', `docker image inspect ${dangling}`)).code).not.toBe(0);
    // The essential container's image stays.
    expect((await lab.exec('h1', `docker image inspect ${image}`)).code).toBe(0);
  });

  it('through the built binary: a table, --json, --yes (exit 0); exit 2 for a bad size, 4 for a host that cannot be reached', async () => {
    const image = await lab.importImage('h1');
    await sh(`docker create --network none --name stopped2 ${image} true >/dev/null`);
    const fleet = (args: string[], inventory = 'nodes.yml') =>
      runFleet(lab, ['clean', '-f', inventory, ...args], { cwd, env: { FLEET_SSH_RETRIES: '0' } });

    const listed = await fleet(['--all']);
    expect(listed.exitCode, listed.stderr).toBe(0);
    const lines = listed.stdout.split('\n');
    expect(lines[0]).toMatch(
      /^HOST\s+CONTAINERS\s+IMAGES \(DANGLING\+UNUSED\)\s+BUILD CACHE\s+JOURNAL\s+OLD TEMP\s+SPACE$/,
    );
    expect(lines[1]).toMatch(/^h1\s+1\s+\d+\+\d+\s+.*reclaimable$/);
    expect(listed.stdout).toContain('h1: kept fleet.essential=true containers: keepme');
    expect(listed.stdout).toMatch(/^total: .* reclaimable on 1 hosts \(nothing removed: add --yes\)$/m);
    expect(await sh("docker ps -a --format '{{.Names}}' | sort | tr '\\n' ' '")).toBe('keepme stopped2');

    const json = await fleet(['-n', 'h1', '--json']);
    expect(json.exitCode, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout) as {
      command: string;
      applied: boolean;
      success_rate: number;
      hosts: { id: string; containers: { name: string }[] }[];
    };
    expect(report).toMatchObject({ command: 'clean', applied: false, success_rate: 100 });
    expect(report.hosts[0]!.containers.map((c) => c.name)).toEqual(['stopped2']);

    const applied = await fleet(['-n', 'h1', '--yes']);
    expect(applied.exitCode, applied.stderr).toBe(0);
    expect(applied.stderr).toMatch(/\[change\] h1: remove container stopped2/);
    expect(applied.stdout).toMatch(/^h1\s+.*reclaimed$/m);
    expect(applied.stdout).toMatch(/^total: .* reclaimed on 1 hosts$/m);
    expect(await sh("docker ps -a --format '{{.Names}}'")).toBe('keepme');

    const bad = await fleet(['--all', '--journal-size', 'lots']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--journal-size "lots" must be a size like 500M or 2G');

    // h1 as nodes.yml says, plus a host that refuses SSH (the lab bridge's own address, port 1).
    writeFileSync(
      join(cwd, 'ghost.yml'),
      `${readFileSync(join(cwd, 'nodes.yml'), 'utf8')}  - { id: ghost, name: ghost, ip: ${lab.gatewayIp}, port: 1, type: x86 }\n`,
    );
    const partial = await fleet(['--all', '--json'], 'ghost.yml');
    expect(partial.exitCode).toBe(4);
    const p = JSON.parse(partial.stdout) as {
      successful: number;
      failed: number;
      hosts: { id: string; status: string }[];
    };
    expect(p).toMatchObject({ successful: 1, failed: 1 });
    expect(p.hosts.map((h) => [h.id, h.status])).toEqual([
      ['h1', 'unchanged'],
      ['ghost', 'failed'],
    ]);
    expect(partial.stderr).toMatch(/clean failed on ghost \(/);
    const table = await fleet(['--all'], 'ghost.yml');
    expect(table.stdout).toMatch(/^ghost\s+-\s+-\s+-\s+-\s+-\s+failed: /m);
  });
});
