/**
 * `fleet facts` and `fleet score` end to end on the lab (id `fact`, subnet 15): two hosts with a
 * Docker engine and one without, real sshd, the built CLI, remote/facts.sh sent over SSH.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Facts } from '../../src/core/facts.js';
import type { RoleAssignmentsDocument } from '../../src/core/roles.js';
import { startLab, type Lab } from '../lab/index.js';
import { ensureBuilt, runFleet, scratchDir } from './exec-helpers.js';

interface FactsJsonEntry {
  id: string;
  ok: boolean;
  clockSkewSeconds?: number;
  facts?: Facts;
  error?: { code: string; message: string };
}

let lab: Lab;
const PASSWORD = `pw-${randomBytes(9).toString('base64url')}`;
let cwd: string;
const ARCH = execFileSync('uname', ['-m'], { encoding: 'utf8' }).trim();

beforeAll(async () => {
  await ensureBuilt();
  lab = await startLab({
    id: 'fact',
    subnet: 15,
    hosts: [{ name: 'spark' }, { name: 'agx-01' }, { name: 'pi-01', docker: false }],
    password: PASSWORD,
  });
  cwd = scratchDir('facts');
  lab.writeInventory(join(cwd, 'nodes.yml'));
});

afterAll(async () => {
  await lab?.down();
});

async function factsJson(args: string[] = []): Promise<Map<string, FactsJsonEntry>> {
  const r = await runFleet(lab, ['facts', '--json', ...args], { cwd });
  expect(r.exitCode, r.stderr).toBe(0);
  const entries = JSON.parse(r.stdout) as FactsJsonEntry[];
  return new Map(entries.map((e) => [e.id, e]));
}

describe('fleet facts on the lab', () => {
  it('reads every host: hostname, arch, Docker on the full hosts, none on the light one', async () => {
    const byId = await factsJson();
    expect([...byId.keys()].sort()).toEqual(['agx-01', 'pi-01', 'spark']);
    for (const [id, e] of byId) {
      expect(e.ok, JSON.stringify(e.error)).toBe(true);
      expect(e.facts?.hostname).toBe(id);
      expect(e.facts?.arch).toBe(ARCH);
      expect(e.facts?.cpu.cores).toBeGreaterThan(0);
      expect(e.facts?.user).toEqual({ name: 'root', uid: 0 });
      // Same machine, same clock: the estimate must not invent skew.
      expect(Math.abs(e.clockSkewSeconds ?? 99)).toBeLessThan(2);
    }
    for (const id of ['spark', 'agx-01']) {
      const docker = byId.get(id)?.facts?.docker;
      expect(docker?.status).toBe('ok');
      expect(docker?.status === 'ok' && docker.swarm).toEqual({ state: 'inactive' });
      expect(docker?.status === 'ok' && docker.apiVersion).toMatch(/^1\.\d+$/);
    }
    expect(byId.get('pi-01')?.facts?.docker.status).not.toBe('ok');
  });

  it('sees the swarm state after an init, and prints a table naming each host', async () => {
    const ip = lab.host('spark').ip;
    const init = await lab.exec('spark', `docker swarm init --advertise-addr ${ip}`);
    expect(init.code, init.stderr).toBe(0);
    try {
      const byId = await factsJson(['spark', 'agx-01']);
      expect(byId.size).toBe(2);
      const swarm = byId.get('spark')?.facts?.docker;
      expect(swarm?.status === 'ok' && swarm.swarm).toMatchObject({
        state: 'active',
        role: 'manager',
        nodeAddr: ip,
        nodeId: expect.stringMatching(/^[a-z0-9]{25}$/),
        clusterId: expect.stringMatching(/^[a-z0-9]{25}$/),
      });
      const table = await runFleet(lab, ['facts', '-n', 'spark,agx-01'], { cwd });
      expect(table.exitCode, table.stderr).toBe(0);
      const lines = table.stdout.trim().split('\n');
      expect(lines[0]).toMatch(/^HOST\s+TYPE\s+ARCH\s+OS\s+CPU\s+RAM\s+DISK\s+GPU\s+DOCKER\s+SWARM\s+LINK$/);
      expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['spark', 'agx-01']);
      expect(lines[1]).toMatch(/manager/);
      expect(lines[2]).toMatch(/inactive/);
    } finally {
      await lab.exec('spark', 'docker swarm leave --force');
    }
  });

  it('as a non-root user reports Docker as not permitted; with --sudo the probe runs as root', async () => {
    const env = { FLEET_SSH_PASSWORD: PASSWORD, FLEET_SUDO_PASSWORD: PASSWORD };
    const plain = await runFleet(lab, ['facts', '--json', 'fleet@spark'], { cwd, env });
    expect(plain.exitCode, plain.stderr).toBe(0);
    const [user] = JSON.parse(plain.stdout) as FactsJsonEntry[];
    expect(user?.facts?.user?.name).toBe('fleet');
    expect(user?.facts?.docker.status).toBe('permission-denied');
    const sudo = await runFleet(lab, ['facts', '--json', '--sudo', 'fleet@spark'], { cwd, env });
    expect(sudo.exitCode, sudo.stderr).toBe(0);
    const [root] = JSON.parse(sudo.stdout) as FactsJsonEntry[];
    expect(root?.facts?.user).toEqual({ name: 'root', uid: 0 });
    expect(root?.facts?.docker.status).toBe('ok');
    for (const text of [plain.stdout, plain.stderr, sudo.stdout, sudo.stderr])
      expect(text).not.toContain(PASSWORD);
  });

  it('fails one unreachable host with exit 3 and still reports the others', async () => {
    await lab.stopHost('agx-01');
    try {
      const r = await runFleet(lab, ['facts', '--json', '--retries', '0', '--connect-timeout', '3'], { cwd });
      expect(r.exitCode).toBe(3);
      const entries = JSON.parse(r.stdout) as FactsJsonEntry[];
      expect(entries.find((e) => e.id === 'agx-01')).toMatchObject({ ok: false });
      expect(
        entries
          .filter((e) => e.ok)
          .map((e) => e.id)
          .sort(),
      ).toEqual(['pi-01', 'spark']);
      expect(r.stderr).toMatch(/agx-01: /);
    } finally {
      await lab.startHost('agx-01');
    }
  });
});

describe('fleet score on the lab', () => {
  it('ranks the hosts with a breakdown and picks 3 managers for 3 hosts', async () => {
    const r = await runFleet(lab, ['score', '--json'], { cwd });
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as RoleAssignmentsDocument;
    expect(doc.managers).toBe(3);
    expect(doc.quorum).toBe(2);
    expect(doc.hosts.map((h) => h.rank)).toEqual([1, 2, 3]);
    expect(doc.hosts.map((h) => h.id).sort()).toEqual(['agx-01', 'pi-01', 'spark']);
    for (const h of doc.hosts) {
      const b = h.breakdown;
      expect(h.score).toBeCloseTo(b.cpu + b.ram + b.storage + b.network + b.gpu + b.penalty, 6);
    }
    expect(doc.firstManager).toBe(doc.hosts[0]?.id);
    const table = await runFleet(lab, ['score', '--managers', '2'], { cwd });
    expect(table.exitCode).toBe(2);
    expect(table.stderr).toMatch(/2 managers tolerate 0 failures, the same as 1/);
  });
});
