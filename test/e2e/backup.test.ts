/**
 * `fleet backup` / `fleet restore` on the lab with the local folder target: a 3-manager swarm backed
 * up while `docker node ls` on the leader is sampled (quorum never drops), /etc/fleet and a volume
 * backed up, a wiped path restored, a changed byte refused with exit 8 before anything is touched,
 * retention with --keep, and an incomplete backup reported by `backup ls`.
 */
import { appendFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../lab/index.js';
import { fleet, workDir } from './up-helpers.js';
import { leaderOf, readReport, reportSchemaErrors, sampleQuorum } from './backup-helpers.js';

const NAMES = ['spark', 'agx-01', 'agx-02', 'agx-03'];
let lab: Lab;
let cwd: string;
let firstId = '';

async function sh(host: string, command: string): Promise<string> {
  const r = await lab.exec(host, command);
  if (r.code !== 0) throw new Error(`${host}: ${command}: exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

beforeAll(async () => {
  lab = await startLab({ id: 'bk', subnet: 10, hosts: NAMES.map((name) => ({ name })) });
  cwd = workDir('bk');
  lab.writeInventory(join(cwd, 'nodes.yml'));
  const up = await fleet(lab, cwd, ['up']);
  if (up.code !== 0) throw new Error(`fleet up failed: ${up.stderr}`);
  for (const h of NAMES) {
    await sh(
      h,
      `mkdir -p /etc/fleet && echo "node=${h}" > /etc/fleet/node.conf && docker volume create appdata >/dev/null && ` +
        `echo "volume data of ${h}" > "$(docker volume inspect appdata -f '{{.Mountpoint}}')/data.txt"`,
    );
  }
});

afterAll(async () => {
  await lab?.down();
});

describe('fleet backup (local folder)', () => {
  it('backs up a 3-manager swarm, paths and a volume while quorum never drops', async () => {
    const leader = await leaderOf(lab, NAMES);
    const sampler = sampleQuorum(lab, leader);
    const run = await fleet(lab, cwd, ['backup', '--volume', 'appdata']);
    const samples = await sampler.stop();
    expect(run.code, run.stderr).toBe(0);

    const report = readReport(cwd, 'backup');
    expect(reportSchemaErrors(report)).toBe('');
    expect(report.complete).toBe(true);
    firstId = report.backup_id!;
    // The archive came from a manager that is not the leader, which was stopped and started again.
    expect(report.swarm!.host).not.toBe(leader);
    expect(report.changes.map((c) => c.description)).toEqual([
      'stop Docker to archive /var/lib/docker/swarm',
      'start Docker again',
    ]);
    expect(samples.length).toBeGreaterThan(0);
    const bad = samples.filter((s) => !s.ok || s.reachable < 2);
    expect(bad, JSON.stringify(bad.slice(0, 3))).toEqual([]);
    // Back in service afterwards as a Reachable manager.
    const after = await sh(leader, "docker node ls --format '{{.Hostname}} {{.ManagerStatus}}'");
    expect(after).toContain(`${report.swarm!.host} Reachable`);

    const kinds = report.items.map((i) => `${i.host}:${i.kind}`).sort();
    expect(kinds).toEqual(
      [
        `${report.swarm!.host}:swarm`,
        ...NAMES.map((h) => `${h}:path`),
        ...NAMES.map((h) => `${h}:volume`),
      ].sort(),
    );
    const manifest = JSON.parse(readFileSync(join(cwd, 'backups', firstId, 'manifest.json'), 'utf8'));
    expect(manifest.clusterId).toMatch(/^[a-z0-9]{25}$/);
    expect(manifest.dockerVersion).toBeTruthy();
    expect(manifest.items).toHaveLength(9);
    for (const item of manifest.items) expect(item.sha256).toMatch(/^[0-9a-f]{64}$/);

    const ls = await fleet(lab, cwd, ['backup', 'ls']);
    expect(ls.stdout).toMatch(new RegExp(`${firstId}\\s+complete`));

    // The archive holds the manager's TLS key and the Raft data: 0600 files in 0700 folders (#7).
    const modes: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        modes.push(`${(statSync(p).mode & 0o777).toString(8)} ${e.isDirectory() ? 'dir' : 'file'}`);
        if (e.isDirectory()) walk(p);
      }
    };
    walk(join(cwd, 'backups', firstId));
    expect((statSync(join(cwd, 'backups', firstId)).mode & 0o777).toString(8)).toBe('700');
    expect(modes.length).toBeGreaterThan(9);
    expect([...new Set(modes)].sort()).toEqual(['600 file', '700 dir']);
    // Nothing of the job is left on the source manager.
    expect(await sh(report.swarm!.host, 'ls /var/tmp')).not.toContain('fleet-swarm-backup');
  });

  it('restores a wiped path and a changed volume in place', async () => {
    await sh('agx-03', 'rm -rf /etc/fleet');
    await sh('agx-03', `echo changed > "$(docker volume inspect appdata -f '{{.Mountpoint}}')/data.txt"`);
    const refused = await fleet(lab, cwd, ['restore', firstId, '-n', 'agx-03', '--only', 'paths,volumes']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes');
    expect((await lab.exec('agx-03', 'test -e /etc/fleet')).code).not.toBe(0);

    const run = await fleet(lab, cwd, [
      'restore',
      firstId,
      '-n',
      'agx-03',
      '--only',
      'paths,volumes',
      '--yes',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(await sh('agx-03', 'cat /etc/fleet/node.conf')).toBe('node=agx-03\n');
    expect(await sh('agx-03', `cat "$(docker volume inspect appdata -f '{{.Mountpoint}}')/data.txt"`)).toBe(
      'volume data of agx-03\n',
    );
    const report = readReport(cwd, 'restore');
    expect(reportSchemaErrors(report)).toBe('');
    expect(report.complete).toBe(true);
    expect(report.items.map((i) => `${i.kind}:${i.status}`).sort()).toEqual(['path:ok', 'volume:ok']);
  });

  it('refuses to restore when one stored byte changed, before touching any host', async () => {
    await sh('agx-01', 'echo "node=agx-01 edited after the backup" > /etc/fleet/node.conf');
    const object = join(cwd, 'backups', firstId, 'agx-01', 'path-etc-fleet.tar.gz');
    const bytes = readFileSync(object);
    const at = bytes.length >> 1;
    bytes[at] = bytes[at]! ^ 0x01;
    writeFileSync(object, bytes);

    const run = await fleet(lab, cwd, ['restore', firstId, '--only', 'paths', '--yes']);
    expect(run.code).toBe(8);
    expect(run.stderr).toContain(`${firstId}/agx-01/path-etc-fleet.tar.gz does not match the manifest`);
    expect(await sh('agx-01', 'cat /etc/fleet/node.conf')).toBe('node=agx-01 edited after the backup\n');
    const report = readReport(cwd, 'restore');
    expect(report.changes).toEqual([]);
    expect(report.complete).toBe(false);
    // Put the byte back for the tests after this one.
    bytes[at] = bytes[at]! ^ 0x01;
    writeFileSync(object, bytes);
  });

  it('reports backups without a manifest as incomplete and applies --keep', async () => {
    // A backup that died half way long ago, and one that is "still running" (newer than any complete one).
    const old = join(cwd, 'backups', '20000101T000000Z', 'spark');
    mkdirSync(old, { recursive: true });
    writeFileSync(join(old, 'path-etc-fleet.tar.gz'), 'partial');
    const second = await fleet(lab, cwd, ['backup', '--only', 'paths']);
    expect(second.code, second.stderr).toBe(0);
    const secondId = readReport(cwd, 'backup').backup_id!;
    const running = join(cwd, 'backups', '29990101T000000Z', 'spark');
    mkdirSync(running, { recursive: true });
    appendFileSync(join(running, 'path-etc-fleet.tar.gz'), 'partial');

    const ls = await fleet(lab, cwd, ['backup', 'ls']);
    expect(ls.stdout).toMatch(/20000101T000000Z\s+INCOMPLETE/);
    expect(ls.stdout).toContain('no manifest.json');

    // Dry run first: lists what --keep would delete, deletes nothing, backs nothing up.
    const before = readdirSync(join(cwd, 'backups')).sort();
    const dry = await fleet(lab, cwd, ['backup', '--only', 'paths', '--keep', '1', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    const dryReport = readReport(cwd, 'backup');
    expect(reportSchemaErrors(dryReport)).toBe('');
    expect(dryReport.complete).toBe(false);
    expect(dryReport.retention).toMatchObject({ dry_run: true });
    expect(dryReport.retention!.deleted.map((d) => d.id).sort()).toEqual(
      ['20000101T000000Z', secondId].sort(),
    );
    expect(readdirSync(join(cwd, 'backups')).sort()).toEqual(before);

    const third = await fleet(lab, cwd, ['backup', '--only', 'paths', '--keep', '1']);
    expect(third.code, third.stderr).toBe(0);
    const report = readReport(cwd, 'backup');
    const kept = report.backup_id!;
    // Only backups of the same scope (paths of these 4 hosts) count: the older paths backup and the
    // superseded failure go; the full backup (the last one holding the swarm) and the newer failure stay.
    expect(report.retention!.deleted.map((d) => d.id).sort()).toEqual(['20000101T000000Z', secondId].sort());
    expect(readdirSync(join(cwd, 'backups')).sort()).toEqual([firstId, kept, '29990101T000000Z'].sort());

    // A paths backup of one host with --keep 1 deletes none of the others (issue 8 #15).
    const one = await fleet(lab, cwd, ['backup', '-n', 'agx-03', '--only', 'paths', '--keep', '1']);
    expect(one.code, one.stderr).toBe(0);
    expect(readReport(cwd, 'backup').retention!.deleted).toEqual([]);
    expect(readdirSync(join(cwd, 'backups'))).toEqual(expect.arrayContaining([firstId, kept]));
  });

  it('backup --dry-run archives nothing and never stops Docker', async () => {
    const dockerds = async (): Promise<string[]> =>
      Promise.all(NAMES.map(async (h) => (await sh(h, 'pidof dockerd')).trim()));
    const pidsBefore = await dockerds();
    const before = readdirSync(join(cwd, 'backups')).sort();
    const dry = await fleet(lab, cwd, ['backup', '--volume', 'appdata', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    const report = readReport(cwd, 'backup');
    expect(reportSchemaErrors(report)).toBe('');
    expect(report.complete).toBe(false);
    const changes = report.changes.map((c) => `${c.host}: ${c.description}`);
    expect(
      changes.filter((c) => c.endsWith(': stop Docker, archive /var/lib/docker/swarm, start Docker')),
    ).toHaveLength(1);
    expect(changes).toEqual(expect.arrayContaining(NAMES.map((h) => `${h}: archive path /etc/fleet`)));
    expect(readdirSync(join(cwd, 'backups')).sort()).toEqual(before);
    expect(await dockerds()).toEqual(pidsBefore);
  });

  it('restore --dry-run verifies and lists what it would change, without asking or touching files', async () => {
    await sh('agx-02', 'echo "node=agx-02 edited after the backup" > /etc/fleet/node.conf');
    // No --yes and no terminal: a real restore would refuse (exit 2); a dry run asks nothing.
    const dry = await fleet(lab, cwd, ['restore', firstId, '-n', 'agx-02', '--only', 'paths', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(await sh('agx-02', 'cat /etc/fleet/node.conf')).toBe('node=agx-02 edited after the backup\n');
    const report = readReport(cwd, 'restore');
    expect(reportSchemaErrors(report)).toBe('');
    expect(report.complete).toBe(false);
    expect(report.items.map((i) => `${i.kind}:${i.status}`)).toEqual(['path:verified']);
    expect(report.changes.map((c) => `${c.host}: ${c.description}`)).toEqual([
      `agx-02: restore path /etc/fleet from backup ${firstId}`,
    ]);
  });
});
