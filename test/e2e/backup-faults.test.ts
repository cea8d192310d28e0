/**
 * Swarm backups under faults (issue 8 #6, #7, #13; lab bkf/21, 3 managers). Archiving is slowed with
 * a `tar` wrapper in /usr/local/bin on the hosts (it runs the real tar, then sleeps) so the test can
 * act while Docker is stopped on the source manager:
 * - `kill -9` of fleet then: the detached job starts Docker by itself, the node is Reachable again,
 *   the job lock is held only while Docker is stopped, the temp archive is 0600 in a 0700 folder and
 *   is removed afterwards;
 * - the link cut then: Docker runs again while the link is still down, and fleet still ends;
 * - an archive slower than --stop-deadline: Docker is started without a backup, clear error;
 * - `restore --only swarm` on this healthy cluster: refused with the quorum it sees (exit 5).
 */
import { execa, type ResultPromise } from 'execa';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../lab/index.js';
import { fleet, workDir } from './up-helpers.js';
import { leaderOf, readReport, reportSchemaErrors } from './backup-helpers.js';

const NAMES = ['spark', 'agx-01', 'agx-02'];
const BIN = join(process.cwd(), 'bin', 'fleet.js');
const LOCK = '/run/lock/fleet/job.lock';
let lab: Lab;
let cwd: string;

async function sh(host: string, command: string): Promise<string> {
  const r = await lab.exec(host, command);
  if (r.code !== 0) throw new Error(`${host}: ${command}: exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** Polls `check` every 250 ms until it returns a value; fails after `ms` naming `what`. */
async function waitFor<T>(what: string, ms: number, check: () => Promise<T | undefined>): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out after ${ms / 1000}s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function startBackup(args: string[]): ResultPromise<{ reject: false; timeout: number }> {
  return execa('node', [BIN, 'backup', '--only', 'swarm', ...args], {
    cwd,
    env: { ...process.env, HOME: lab.home, NO_COLOR: '1' },
    reject: false,
    timeout: 240_000,
  });
}

async function slowTar(seconds: number): Promise<void> {
  for (const h of NAMES) await sh(h, `echo ${seconds} > /etc/fleet-slow-tar`);
}

/** The manager whose engine the backup job stopped. */
async function stoppedManager(): Promise<string> {
  return waitFor('Docker to be stopped on a manager', 60_000, async () => {
    for (const h of NAMES) {
      if ((await lab.exec(h, 'systemctl is-active docker')).code !== 0) return h;
    }
    return undefined;
  });
}

async function reachable(leader: string, host: string): Promise<boolean> {
  const r = await lab.exec(leader, "docker node ls --format '{{.Hostname}} {{.Status}} {{.ManagerStatus}}'");
  return r.code === 0 && r.stdout.split('\n').includes(`${host} Ready Reachable`);
}

const lockHeld = async (host: string): Promise<boolean> =>
  (await lab.exec(host, `flock -n ${LOCK} true`)).code !== 0;

beforeAll(async () => {
  lab = await startLab({ id: 'bkf', subnet: 17, hosts: NAMES.map((name) => ({ name, role: 'manager' })) });
  cwd = workDir('bkf');
  lab.writeInventory(join(cwd, 'nodes.yml'));
  const up = await fleet(lab, cwd, ['up']);
  if (up.code !== 0) throw new Error(`fleet up failed: ${up.stderr}`);
  for (const h of NAMES) {
    await sh(
      h,
      `printf '%s\\n' '#!/bin/sh' '/bin/tar "$@"; rc=$?' ` +
        `'[ -s /etc/fleet-slow-tar ] && sleep "$(cat /etc/fleet-slow-tar)"' 'exit $rc' ` +
        `> /usr/local/bin/tar && chmod 755 /usr/local/bin/tar`,
    );
  }
}, 300_000);

afterAll(async () => {
  await lab?.down();
});

describe('swarm backup under faults', () => {
  it(
    'kill -9 of fleet while Docker is stopped: the job starts it again by itself',
    { timeout: 300_000 },
    async () => {
      const leader = await leaderOf(lab, NAMES);
      await slowTar(8);
      const run = startBackup([]);
      const source = await stoppedManager();
      expect(source).not.toBe(leader);
      // While Docker is stopped the job holds the job lock, and its archive is private.
      expect(await lockHeld(source)).toBe(true);
      const dir = (await sh(source, 'ls -d /var/tmp/fleet-swarm-backup.*')).trim();
      expect(await sh(source, `stat -c '%a %U' ${dir}`)).toBe('700 root\n');
      await waitFor('the archive to be written', 30_000, async () =>
        (await lab.exec(source, `test -s ${dir}/swarm.tar`)).code === 0 ? true : undefined,
      );
      expect(await sh(source, `stat -c '%a' ${dir}/swarm.tar`)).toBe('600\n');

      run.kill('SIGKILL');
      const killed = await run;
      expect(killed.signal).toBe('SIGKILL');

      await waitFor(`${source} to be a Reachable manager again`, 120_000, async () =>
        (await reachable(leader, source)) ? true : undefined,
      );
      expect(await sh(source, 'systemctl is-active docker')).toBe('active\n');
      // Released once the engine answers (the job checks with `docker info`).
      await waitFor('the job lock to be released', 30_000, async () =>
        (await lockHeld(source)) ? undefined : true,
      );
      // The client is gone, so the job removes the archive itself.
      await waitFor('the temp folder to be removed', 60_000, async () =>
        (await sh(source, 'ls /var/tmp')).includes('fleet-swarm-backup') ? undefined : true,
      );
    },
  );

  it(
    'link cut while Docker is stopped: Docker comes back by itself, fleet still ends',
    { timeout: 300_000 },
    async () => {
      const leader = await leaderOf(lab, NAMES);
      await slowTar(8);
      const run = startBackup(['--wait-timeout', '20']);
      const source = await stoppedManager();
      await lab.cutLink(source);
      try {
        // Seen inside the host (no network needed): the engine runs again and the lock is free.
        await waitFor(`Docker to run again on ${source}`, 90_000, async () =>
          (await lab.exec(source, 'systemctl is-active docker')).code === 0 ? true : undefined,
        );
        await waitFor('the job lock to be released', 60_000, async () =>
          (await lockHeld(source)) ? undefined : true,
        );
      } finally {
        await lab.restoreLink(source);
      }
      await waitFor(`${source} to be a Reachable manager again`, 120_000, async () =>
        (await reachable(leader, source)) ? true : undefined,
      );
      // fleet ends either way: when its connection outlived the cut (SSH keepalive allows ~30 s) it
      // fetched the archive and finished the backup; otherwise it fails clearly.
      const result = await run;
      const report = readReport(cwd, 'backup');
      expect(reportSchemaErrors(report)).toBe('');
      if (result.exitCode === 0) expect(report.complete).toBe(true);
      else {
        expect(result.exitCode, result.stderr).not.toBe(70);
        expect(report.complete).toBe(false);
      }
    },
  );

  it(
    'an archive slower than --stop-deadline: Docker is started again, no backup',
    { timeout: 300_000 },
    async () => {
      const leader = await leaderOf(lab, NAMES);
      await slowTar(60);
      const run = await fleet(lab, cwd, ['backup', '--only', 'swarm', '--stop-deadline', '3']);
      // 4: the other managers had nothing to back up and are ok; no manifest was written.
      expect(run.code, run.stderr).toBe(4);
      expect(run.stderr).toContain('took longer than the 3s deadline');
      const report = readReport(cwd, 'backup');
      expect(report.complete).toBe(false);
      expect(report.changes.map((c) => c.description)).toEqual([
        'stop Docker to archive /var/lib/docker/swarm',
        'start Docker again',
      ]);
      expect(await reachable(leader, report.swarm!.host)).toBe(true);
    },
  );

  it(
    'refuses restore --only swarm while the cluster has quorum (exit 5), changing nothing',
    { timeout: 300_000 },
    async () => {
      await slowTar(0);
      const backup = await fleet(lab, cwd, ['backup', '--only', 'swarm']);
      expect(backup.code, backup.stderr).toBe(0);
      const id = readReport(cwd, 'backup').backup_id!;
      const leader = await leaderOf(lab, NAMES);
      const before = await sh(leader, "docker node ls --format '{{.ID}} {{.ManagerStatus}}'");

      const restore = await fleet(lab, cwd, ['restore', id, '--only', 'swarm', '--yes']);
      expect(restore.code).toBe(5);
      expect(restore.stderr).toMatch(/is alive with quorum 3\/3 \(needs 2\), seen from /);
      expect(restore.stderr).toContain('disaster recovery');
      expect(readReport(cwd, 'restore').changes).toEqual([]);
      expect(await sh(leader, "docker node ls --format '{{.ID}} {{.ManagerStatus}}'")).toBe(before);
      for (const h of NAMES) expect(await sh(h, 'ls /var/lib/docker')).not.toContain('swarm.before-restore');
    },
  );
});
