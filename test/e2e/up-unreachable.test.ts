/**
 * Issue 8 points 3, 4, 12 and 14 on real hosts (lab upu/21: spark pinned manager + agx-01..04, so 3
 * managers and 2 workers): a partial selection of workers is planned through a manager outside it
 * (nothing to change, no --force hint); --role manager selects the managers up made (point 16); a manager that left the swarm re-joins as manager and its
 * stale entry goes (same node count, odd manager count); a worker that left leaves no Down entry
 * behind; a manager whose engine is down is kept (no promotion, exit 4, named), and replacing it is
 * planned only behind --replace-unreachable-managers; a wrong host key on the leader stops `up`
 * before anything changes (exit 3, same managers, same leader).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startLab, type Lab } from '../lab/index.js';
import { fleet, lastReport, nodeList, swarmState, workDir } from './up-helpers.js';

const NAMES = ['spark', 'agx-01', 'agx-02', 'agx-03', 'agx-04'];
let lab: Lab;
let cwd: string;
let managers: string[] = [];
let workers: string[] = [];

/** The manager that is not spark (the leader): the one the faults below hit. */
const other = (): string => managers.find((m) => m !== 'spark')!;

async function waitFor(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** `docker node ls` from spark, sorted: "host Status ManagerStatus". */
async function nodes(): Promise<string[]> {
  return (await nodeList(lab, 'spark')).map((n) => `${n.host} ${n.status} ${n.manager}`.trim()).sort();
}

beforeAll(async () => {
  lab = await startLab({
    id: 'upu',
    subnet: 18,
    hosts: NAMES.map((name) => (name === 'spark' ? { name, role: 'manager' as const } : { name })),
  });
  cwd = workDir('upu');
  lab.writeInventory(join(cwd, 'nodes.yml'));
  const up = await fleet(lab, cwd, ['up']);
  if (up.code !== 0) throw new Error(`fleet up failed: ${up.stderr}`);
  const list = await nodeList(lab, 'spark');
  managers = list.filter((n) => n.role === 'manager').map((n) => n.host);
  workers = list.filter((n) => n.role === 'worker').map((n) => n.host);
}, 300_000);

afterAll(async () => {
  await lab?.down();
});

describe('partial selections (point 12)', () => {
  it('plan -n <two workers> finds the cluster through a manager outside the selection', async () => {
    expect(managers).toHaveLength(3);
    expect(workers).toHaveLength(2);
    const run = await fleet(lab, cwd, ['plan', '-n', workers.join(',')]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('plan: nothing to change');
    expect(run.stdout + run.stderr).not.toMatch(/another swarm|--force/);
    expect(run.stderr).toMatch(/not selected: read this cluster through it/);
  });

  it('down -n <worker> --dry-run plans only its leave and the removal of its entry', async () => {
    const run = await fleet(lab, cwd, ['down', '-n', workers[0]!, '--dry-run']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('plan: 2 changes');
    expect(run.stdout).toContain(`1. ${workers[0]}: leave the swarm: fleet down`);
    expect(run.stdout).toMatch(new RegExp(`2\\. ${workers[0]}: remove node ${workers[0]} \\(`));
    expect(run.stdout + run.stderr).not.toMatch(/another swarm|--force|initialise/);
    expect(await swarmState(lab, workers[0]!)).toBe('active');
  });
});

describe('--role selects by the live swarm role (point 16)', () => {
  it('exec --role manager reaches the managers up made, not only the pinned one', async () => {
    const run = await fleet(lab, cwd, ['exec', '--role', 'manager', '--', 'hostname']);
    expect(run.code, run.stderr).toBe(0);
    const reached = [...run.stdout.matchAll(/^([\w-]+): ([\w-]+)$/gm)].map((m) => m[1]).sort();
    expect(reached).toEqual([...managers].sort());
    const workersRun = await fleet(lab, cwd, ['exec', '--role', 'worker', '--', 'hostname']);
    expect([...workersRun.stdout.matchAll(/^([\w-]+): /gm)].map((m) => m[1]).sort()).toEqual(
      [...workers].sort(),
    );
  });
});

describe('hosts that left the swarm (points 3 and 14)', () => {
  it('a manager that left re-joins as manager; its stale entry is removed; exit 0 only when converged', async () => {
    const before = await nodes();
    await lab.exec(other(), 'docker swarm leave -f');
    const run = await fleet(lab, cwd, ['up']);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(await nodes()).toEqual(before);
    const list = await nodeList(lab, 'spark');
    expect(list).toHaveLength(NAMES.length);
    expect(
      list
        .filter((n) => n.role === 'manager')
        .map((n) => n.host)
        .sort(),
    ).toEqual([...managers].sort());
    expect(lastReport(cwd).changes.map((c) => c.description)).toEqual(
      expect.arrayContaining([expect.stringMatching(new RegExp(`^remove node ${other()} `))]),
    );
  });

  it('a worker that left re-joins and leaves no Down entry behind', async () => {
    await lab.exec(workers[1]!, 'docker swarm leave -f');
    const run = await fleet(lab, cwd, ['up']);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const list = await nodeList(lab, 'spark');
    expect(list.map((n) => n.host).sort()).toEqual([...NAMES].sort());
    expect(list.every((n) => n.status === 'Ready')).toBe(true);
    expect(run.stderr).toMatch(/quorum 3\/3 \(needs 2\), 5 nodes of 5 hosts/);
  });
});

describe('a manager whose engine is down (point 3)', () => {
  it('is kept: no replacement promoted, no healthy manager demoted, exit 4 naming it', async () => {
    const victim = other();
    await lab.stopDocker(victim);
    await waitFor(`${victim} to read Unreachable`, async () =>
      (await nodeList(lab, 'spark')).some((n) => n.host === victim && n.manager === 'Unreachable'),
    );
    const run = await fleet(lab, cwd, ['up']);
    expect(run.code, run.stderr + run.stdout).toBe(4);
    expect(run.stderr).toMatch(new RegExp(`manager ${victim} \\(\\w+\\) is unreachable .*not replaced`));
    expect(run.stderr).toContain('--replace-unreachable-managers');
    const list = await nodeList(lab, 'spark');
    expect(list).toHaveLength(NAMES.length);
    expect(
      list
        .filter((n) => n.role === 'manager')
        .map((n) => n.host)
        .sort(),
    ).toEqual([...managers].sort());
    expect(lastReport(cwd).changes).toEqual([]);
  });

  it('its replacement is planned only behind --replace-unreachable-managers, with the quorum math', async () => {
    const victim = other();
    const run = await fleet(lab, cwd, ['plan', '--replace-unreachable-managers']);
    // Partial: the host itself cannot be acted on.
    expect(run.code, run.stderr).toBe(4);
    expect(run.stdout).toMatch(
      new RegExp(
        `demote ${victim} to worker: unreachable manager .*2/3 reachable, quorum 2 → 2/2 reachable, quorum 2`,
      ),
    );
    expect(run.stdout).toMatch(new RegExp(`remove node ${victim} `));
    expect(run.stdout).toMatch(new RegExp(`(${workers.join('|')}): promote to manager`));
    // Nothing happened: it was a plan.
    expect((await nodeList(lab, 'spark')).filter((n) => n.role === 'manager')).toHaveLength(3);
  });

  it('once the engine is back, up converges with exit 0', async () => {
    await lab.startDocker(other());
    await waitFor(`${other()} to be Reachable again`, async () =>
      (await nodeList(lab, 'spark')).some((n) => n.host === other() && n.manager === 'Reachable'),
    );
    const run = await fleet(lab, cwd, ['up']);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(run.stdout).toContain('nothing to change');
  });
});

describe('a wrong host key on the leader (point 4)', () => {
  it('stops up before anything changes: exit 3, same managers, same leader', async () => {
    const before = await nodes();
    await lab.rotateHostKey('spark');
    try {
      const run = await fleet(lab, cwd, ['up']);
      expect(run.code, run.stderr + run.stdout).toBe(3);
      expect(run.stderr).toMatch(
        /spark is a manager of this swarm and cannot be observed: .*nothing was changed/,
      );
      expect(lastReport(cwd).changes).toEqual([]);
      expect(await nodes()).toEqual(before);
      expect((await nodeList(lab, 'spark')).find((n) => n.manager === 'Leader')?.host).toBe('spark');
    } finally {
      await lab.refreshKnownHosts();
    }
  });
});
