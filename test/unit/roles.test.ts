import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFacts, type Facts } from '../../src/core/facts.js';
import { assignRoles, roleAssignmentsJson, type RoleCandidate } from '../../src/core/roles.js';
import { catchFleetError } from '../helpers/fleet-error.js';

const DIR = join(import.meta.dirname, '../../fixtures/facts');
const fixture = (name: string): Facts => parseFacts(readFileSync(join(DIR, `${name}.txt`), 'utf8'));
const spark = fixture('dgx-spark');
const agxNvme = fixture('jetson-agx-xavier-16gb-nvme');
const agxEmmc = fixture('jetson-agx-xavier-32gb-emmc');
const pi = fixture('raspberry-pi-4-sd');

const roles = (plan: ReturnType<typeof assignRoles>): Record<string, string> =>
  Object.fromEntries(plan.assignments.map((a) => [a.id, a.role]));
const managersOf = (plan: ReturnType<typeof assignRoles>): string[] =>
  plan.assignments.filter((a) => a.role === 'manager').map((a) => a.id);

function usage(fn: () => unknown, pattern: RegExp): void {
  expect(catchFleetError(fn, 'usage').message).toMatch(pattern);
}

/** spark + agx-01..15: odd ones on NVMe, even ones on eMMC. */
function sixteen(): RoleCandidate[] {
  const hosts: RoleCandidate[] = [{ id: 'spark', facts: spark, pinnedRole: 'manager' }];
  for (let i = 1; i <= 15; i++) {
    hosts.push({ id: `agx-${String(i).padStart(2, '0')}`, facts: i % 2 === 1 ? agxNvme : agxEmmc });
  }
  return hosts;
}

describe('assignRoles', () => {
  it('16 hosts: 5 managers, the pinned Spark first, then NVMe boards by id (ties)', () => {
    const plan = assignRoles(sixteen());
    expect(plan.managers).toBe(5);
    expect(plan.quorum).toBe(3);
    expect(plan.faultTolerance).toBe(2);
    expect(plan.firstManager).toBe('spark');
    expect(managersOf(plan)).toEqual(['spark', 'agx-01', 'agx-03', 'agx-05', 'agx-07']);
    expect(plan.assignments.map((a) => a.rank)).toEqual([...Array(16).keys()].map((i) => i + 1));
    expect(plan.assignments[0]).toMatchObject({
      id: 'spark',
      rank: 1,
      role: 'manager',
      pinned: true,
      first: true,
    });
    expect(plan.assignments.filter((a) => a.first)).toHaveLength(1);
  });

  it('on equal scores the pinned manager ranks first and initialises the swarm (identical lab hosts)', () => {
    const same = ['agx-01', 'agx-02', 'spark', 'agx-03'].map((id): RoleCandidate => ({
      id,
      facts: agxNvme,
      pinnedRole: id === 'spark' ? 'manager' : undefined,
    }));
    const plan = assignRoles(same);
    expect(plan.firstManager).toBe('spark');
    expect(plan.assignments.map((a) => a.id)).toEqual(['spark', 'agx-01', 'agx-02', 'agx-03']);
  });

  it('gives the same answer whatever the input order', () => {
    const a = assignRoles(sixteen());
    const b = assignRoles([...sixteen()].reverse());
    expect(b).toEqual(a);
  });

  it('honours pinned workers even when they rank first', () => {
    const plan = assignRoles([
      { id: 'spark', facts: spark, pinnedRole: 'worker' },
      { id: 'a', facts: agxNvme },
      { id: 'b', facts: agxEmmc },
      { id: 'c', facts: pi },
    ]);
    expect(roles(plan)).toEqual({ spark: 'worker', a: 'manager', b: 'manager', c: 'manager' });
    expect(plan.firstManager).toBe('a');
  });

  it('a pinned manager that ranks low still manages, but is not the first manager', () => {
    const plan = assignRoles([
      { id: 'pi', facts: pi, pinnedRole: 'manager' },
      { id: 'spark', facts: spark },
      { id: 'x', facts: agxNvme },
      { id: 'y', facts: agxEmmc },
    ]);
    expect(managersOf(plan)).toEqual(['spark', 'x', 'pi']);
    expect(plan.firstManager).toBe('spark');
  });

  it('refuses more pinned managers than seats, and even explicit counts', () => {
    const hosts: RoleCandidate[] = ['a', 'b', 'c', 'd', 'e', 'f'].map((id, i) => ({
      id,
      facts: agxNvme,
      pinnedRole: i < 4 ? 'manager' : undefined,
    }));
    usage(
      () => assignRoles(hosts),
      /4 hosts are pinned as managers \(a, b, c, d\) but the manager count is 3/,
    );
    usage(() => assignRoles(hosts, { managers: 4 }), /4 managers tolerate 1 failure, the same as 3/);
    expect(managersOf(assignRoles(hosts, { managers: 4, allowEven: true }))).toEqual(['a', 'b', 'c', 'd']);
    expect(managersOf(assignRoles(hosts, { managers: 5 }))).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('reduces the default count when pinned workers leave too few candidates, and says so', () => {
    const plan = assignRoles([
      { id: 'a', facts: agxNvme },
      { id: 'b', facts: agxNvme },
      { id: 'c', facts: pi, pinnedRole: 'worker' },
      { id: 'd', facts: pi, pinnedRole: 'worker' },
    ]);
    expect(plan.managers).toBe(1);
    expect(managersOf(plan)).toEqual(['a']);
    expect(plan.notes[0]).toMatch(/only 2 are not pinned as workers: using 1/);
    usage(
      () => assignRoles([{ id: 'a', facts: pi, pinnedRole: 'worker' }]),
      /every host is pinned as a worker/,
    );
    usage(
      () =>
        assignRoles(
          [
            { id: 'a', facts: pi },
            { id: 'b', facts: pi, pinnedRole: 'worker' },
            { id: 'c', facts: pi, pinnedRole: 'worker' },
          ],
          { managers: 3 },
        ),
      /--managers 3 cannot be met: only 1 of 3/,
    );
  });

  it('keeps current managers on a re-run instead of promoting a better new host', () => {
    const plan = assignRoles([
      { id: 'old1', facts: agxEmmc, currentRole: 'manager' },
      { id: 'old2', facts: agxEmmc, currentRole: 'manager' },
      { id: 'old3', facts: pi, currentRole: 'manager' },
      { id: 'w', facts: pi, currentRole: 'worker' },
      { id: 'new', facts: spark },
    ]);
    expect(managersOf(plan).sort()).toEqual(['old1', 'old2', 'old3']);
    // Growing the count promotes the best of the rest.
    expect(
      managersOf(
        assignRoles(
          [...Array(10).keys()].map((i) => ({
            id: `h${i}`,
            facts: pi,
            currentRole: i < 3 ? ('manager' as const) : undefined,
          })),
        ),
      ),
    ).toEqual(['h0', 'h1', 'h2', 'h3', 'h4']);
  });

  it('ranks hosts without facts last', () => {
    const plan = assignRoles([{ id: 'ghost' }, { id: 'b', facts: pi }, { id: 'c', facts: pi }]);
    expect(plan.assignments.map((a) => [a.id, a.score])).toEqual([
      ['b', 18.8],
      ['c', 18.8],
      ['ghost', 0],
    ]);
    expect(managersOf(plan)).toEqual(['b', 'c', 'ghost']);
  });

  it('writes role_assignments.json with rank, score and role per host, and no timestamps', () => {
    const text = roleAssignmentsJson(assignRoles(sixteen()));
    const doc = JSON.parse(text);
    expect(text.endsWith('}\n')).toBe(true);
    expect(doc).toMatchObject({
      version: 1,
      managers: 5,
      quorum: 3,
      faultTolerance: 2,
      firstManager: 'spark',
    });
    expect(doc.hosts[0]).toEqual({
      id: 'spark',
      rank: 1,
      score: 82,
      role: 'manager',
      pinned: true,
      breakdown: { cpu: 24, ram: 24, storage: 25, network: 15, gpu: -6, penalty: 0 },
    });
    expect(roleAssignmentsJson(assignRoles(sixteen()))).toBe(text);
  });
});
