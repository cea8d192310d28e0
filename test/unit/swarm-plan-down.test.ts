import { describe, expect, it } from 'vitest';
import { formatPlan, planDown, type ObservedState } from '../../src/core/swarm-plan.js';
import { cluster, fresh, member, node, summary } from './swarm-plan-helpers.js';

/** a (leader), b, c managers; d, e workers. */
function five(): ObservedState {
  return {
    hosts: [
      member('a', 'manager'),
      member('b', 'manager'),
      member('c', 'manager'),
      member('d', 'worker'),
      member('e', 'worker'),
    ],
    cluster: cluster([
      node('a', 'manager', { leader: true }),
      node('b', 'manager'),
      node('c', 'manager'),
      node('d', 'worker'),
      node('e', 'worker'),
    ]),
  };
}

describe('planDown', () => {
  it('full teardown: workers first, managers demoted one at a time, the leader last with force', () => {
    const plan = planDown(five());
    expect(summary(plan)).toEqual([
      'leave d',
      'leave e',
      'demote b',
      'leave b',
      'demote c',
      'leave c',
      'leave a',
    ]);
    expect(plan.steps.slice(0, 2).every((s) => s.stage === 'workers')).toBe(true);
    expect(plan.steps.at(-1)).toMatchObject({
      kind: 'leave',
      force: true,
      reason: 'last manager: ends the swarm',
    });
    expect(plan.steps.filter((s) => s.kind === 'leave' && s.force)).toHaveLength(1);
    expect(plan.managers).toBe(0);
    expect(plan.notes).toEqual([]);
  });

  it('teardown demotes an unreachable manager before the reachable ones, so quorum holds throughout', () => {
    const observed = five();
    observed.cluster!.nodes[2] = node('c', 'manager', { down: true });
    observed.hosts[2] = { id: 'c', reachable: false, docker: false };
    expect(summary(planDown(observed))).toEqual([
      'skip c',
      'leave d',
      'leave e',
      'demote c',
      'demote b',
      'leave b',
      'leave a',
    ]);
  });

  it('partial down: selected hosts leave and their entries are removed; the rest keeps quorum', () => {
    const observed = five();
    observed.hosts = [observed.hosts[1]!, observed.hosts[4]!]; // b (manager) and e (worker)
    const plan = planDown(observed);
    expect(summary(plan)).toEqual(['leave e', 'demote b', 'leave b', 'remove-node e', 'remove-node b']);
    expect(plan).toMatchObject({ managers: 2, quorum: 2 });
  });

  it('partial down keeps a manager whose removal would cost the others quorum', () => {
    const observed = five();
    observed.cluster!.nodes[2] = node('c', 'manager', { down: true });
    observed.hosts = [observed.hosts[1]!]; // b: a and b reachable, c down; removing b leaves 1 of 2
    const plan = planDown(observed);
    expect(summary(plan)).toEqual([]);
    expect(plan.notes).toEqual([
      'b stays a manager: removing it would leave the remaining managers without quorum',
    ]);
  });

  it('without quorum, managers leave with force and no demotions', () => {
    const observed = five();
    observed.cluster!.nodes[1] = node('b', 'manager', { down: true });
    observed.cluster!.nodes[2] = node('c', 'manager', { down: true });
    const plan = planDown(observed);
    expect(summary(plan)).toEqual(['leave d', 'leave e', 'leave b', 'leave c', 'leave a']);
    expect(plan.steps.slice(2).every((s) => s.kind === 'leave' && s.force)).toBe(true);
    expect(plan.notes[0]).toMatch(/lost quorum \(1 of 3 managers reachable\)/);
  });

  it('skips hosts outside any swarm and in foreign swarms; --force makes foreign ones leave', () => {
    const observed = five();
    observed.hosts.push(fresh('f'), {
      id: 'x',
      reachable: true,
      docker: true,
      swarm: { state: 'active', nodeId: 'n-x', clusterId: 'other', controlAvailable: true },
    });
    const plan = planDown(observed);
    expect(summary(plan).slice(0, 2)).toEqual(['skip f', 'skip x']);
    expect(plan.steps[0]).toMatchObject({ cause: 'not-member' });
    expect(plan.steps[1]).toMatchObject({ cause: 'foreign' });
    const forced = planDown(observed, { force: true });
    expect(summary(forced).at(-1)).toBe('leave x');
    expect(forced.steps.at(-1)).toMatchObject({ force: true });
  });

  it('tells about members left behind when the swarm ends', () => {
    const observed = five();
    observed.hosts = observed.hosts.filter((h) => h.id !== 'e');
    const plan = planDown(observed);
    expect(plan.notes).toEqual([
      'e is not selected and stays in the ended swarm: run `docker swarm leave` there',
    ]);
    expect(formatPlan(plan).split('\n').at(-2)).toBe(
      'a: leave the swarm (force): last manager: ends the swarm',
    );
  });
});
