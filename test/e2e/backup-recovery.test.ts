/**
 * Swarm disaster recovery on the lab (lab bkr/12): an autolocked 3-manager swarm is backed up (the
 * stopped manager comes back locked and is unlocked with the key, which is stored as its own secret
 * object and appears nowhere else), a restore onto a host with another address is refused, then every
 * node loses its swarm: the autolocked backup fails clearly (Docker's unlock blocks without the old
 * managers), and a backup taken with autolock off is recovered onto a fresh engine at the source
 * manager's address, after which `fleet up` re-joins the rest.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../lab/index.js';
import { fleet, workDir, writtenFiles, type CliRun } from './up-helpers.js';
import { leaderOf, readReport, reportSchemaErrors } from './backup-helpers.js';

const NAMES = ['spark', 'agx-01', 'agx-02', 'agx-03'];
let lab: Lab;
let cwd: string;
let unlockKey = '';
let backupId = '';
let source = '';
let plainId = '';
let plainSource = '';
const runs: CliRun[] = [];

async function sh(host: string, command: string): Promise<string> {
  const r = await lab.exec(host, command);
  if (r.code !== 0) throw new Error(`${host}: ${command}: exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

async function run(args: string[]): Promise<CliRun> {
  const result = await fleet(lab, cwd, args);
  runs.push(result);
  return result;
}

beforeAll(async () => {
  lab = await startLab({ id: 'bkr', subnet: 12, hosts: NAMES.map((name) => ({ name })) });
  cwd = workDir('bkr');
  lab.writeInventory(join(cwd, 'nodes.yml'));
  const up = await run(['up']);
  if (up.code !== 0) throw new Error(`fleet up failed: ${up.stderr}`);
  const leader = await leaderOf(lab, NAMES);
  await sh(leader, 'docker swarm update --autolock=true >/dev/null');
  unlockKey = (await sh(leader, 'docker swarm unlock-key -q')).trim();
  await sh(leader, 'docker network create -d overlay --attachable marker-net >/dev/null');
});

afterAll(async () => {
  await lab?.down();
});

describe('swarm backup with autolock, and disaster recovery', () => {
  it('backs up the swarm, keeps the unlock key as its own object and unlocks the restarted manager', async () => {
    expect(unlockKey).toMatch(/^SWMKEY-1-/);
    const backup = await run(['backup', '--only', 'swarm']);
    expect(backup.code, backup.stderr).toBe(0);
    const report = readReport(cwd, 'backup');
    expect(reportSchemaErrors(report)).toBe('');
    expect(report.swarm!.autolock).toBe(true);
    backupId = report.backup_id!;
    source = report.swarm!.host;
    const keyFile = join(cwd, 'backups', backupId, source, 'swarm-unlock-key');
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(unlockKey);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const manifest = readFileSync(join(cwd, 'backups', backupId, 'manifest.json'), 'utf8');
    expect(manifest).not.toContain(unlockKey);
    expect(
      JSON.parse(manifest)
        .items.map((i: { kind: string }) => i.kind)
        .sort(),
    ).toEqual(['swarm', 'unlock-key']);
    // The restarted manager came back locked; fleet unlocked it and waited until it was Reachable.
    const leader = await leaderOf(lab, NAMES);
    expect(await sh(leader, "docker node ls --format '{{.Hostname}} {{.ManagerStatus}}'")).toContain(
      `${source} Reachable`,
    );
  });

  it('refuses to recover the swarm onto a host with another address', async () => {
    // A second backup with autolock off, for the recovery below.
    await sh(await leaderOf(lab, NAMES), 'docker swarm update --autolock=false >/dev/null');
    const backup = await run(['backup', '--only', 'swarm']);
    expect(backup.code, backup.stderr).toBe(0);
    const report = readReport(cwd, 'backup');
    expect(report.swarm!.autolock).toBe(false);
    plainId = report.backup_id!;
    plainSource = report.swarm!.host;

    const other = NAMES.find((n) => n !== plainSource)!;
    const before = await sh(other, "docker info --format '{{.Swarm.LocalNodeState}}'");
    const restore = await run(['restore', plainId, '--only', 'swarm', '-n', other, '--yes']);
    expect(restore.code).toBe(2);
    expect(restore.stderr).toContain(
      `Docker can only recover it onto a host with that address, and ${other} has`,
    );
    expect(await sh(other, "docker info --format '{{.Swarm.LocalNodeState}}'")).toBe(before);
  });

  it(
    'fails clearly recovering an autolocked backup once the old managers are gone',
    { timeout: 300_000 },
    async () => {
      // The disaster: every node loses its swarm state.
      for (const h of NAMES) await sh(h, 'docker swarm leave --force >/dev/null');
      const restore = await run(['restore', backupId, '--only', 'swarm', '--yes']);
      expect(restore.code).toBe(6);
      expect(restore.stderr).toContain('docker swarm unlock did not complete');
      const report = readReport(cwd, 'restore');
      expect(reportSchemaErrors(report)).toBe('');
      expect(report.complete).toBe(false);
      // The failed restore put the previous state back and Docker runs with it (issue 8 #13): the
      // engine answers and is out of any swarm, as it was, not locked in the half-restored one.
      expect(report.changes.map((c) => c.description)).toContain(
        'put the previous /var/lib/docker/swarm back and start Docker',
      );
      expect(await sh(source, 'systemctl is-active docker')).toBe('active\n');
      expect(await sh(source, "docker info --format '{{.Swarm.LocalNodeState}}'")).toBe('inactive\n');
      expect(await sh(source, 'ls /var/lib/docker')).not.toContain('swarm.before-restore');
      // Leave that host as a fresh engine again for the recovery below.
      await sh(source, 'systemctl stop docker && rm -rf /var/lib/docker/swarm && systemctl start docker');
    },
  );

  it(
    'recovers the swarm onto a fresh engine at the source address; fleet up re-joins the rest',
    { timeout: 400_000 },
    async () => {
      await sh(
        plainSource,
        'systemctl stop docker && rm -rf /var/lib/docker/swarm && systemctl start docker',
      );
      const restore = await run(['restore', plainId, '--only', 'swarm', '--yes']);
      expect(restore.code, restore.stderr).toBe(0);
      const report = readReport(cwd, 'restore');
      expect(reportSchemaErrors(report)).toBe('');
      expect(report.complete).toBe(true);
      expect(report.swarm!.host).toBe(plainSource);
      expect(
        await sh(plainSource, "docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}'"),
      ).toBe('active true\n');
      // The state is the backed-up one: the overlay network created before the backup is there.
      expect(await sh(plainSource, "docker network ls --format '{{.Name}}'")).toContain('marker-net');

      const up = await run(['up']);
      expect(up.code, up.stderr + up.stdout).toBe(0);
      const nodes = await sh(plainSource, "docker node ls --format '{{.Hostname}} {{.Status}}'");
      for (const h of NAMES) expect(nodes).toContain(`${h} Ready`);
      // No ghost entries of the hosts' earlier lives (issue 8 point 14): one Ready node per host.
      expect(nodes.trim().split('\n').sort()).toEqual(NAMES.map((h) => `${h} Ready`).sort());
      expect(up.stderr).toMatch(new RegExp(`, ${NAMES.length} nodes of ${NAMES.length} hosts\n`));
      // A second run has nothing left to clean up.
      const again = await run(['up']);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toContain('nothing to change');
    },
  );

  it('never shows the unlock key', () => {
    const everything = runs.map((r) => r.stdout + r.stderr).join('\n') + writtenFiles(join(cwd, 'reports'));
    expect(readdirSync(join(cwd, 'reports')).length).toBeGreaterThan(0);
    expect(everything).not.toContain(unlockKey);
  });
});
