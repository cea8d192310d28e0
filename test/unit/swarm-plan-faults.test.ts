/**
 * The planner under the observed states of issue 8: a manager that left the swarm, a manager that is
 * unreachable (kept, or replaced behind --replace-unreachable-managers), never an even manager count,
 * no healthy manager demoted because another is unreachable, Down-but-"Reachable" entries, a partial
 * selection of workers, and the stale entries a recovery leaves behind.
 */
import { describe, expect, it } from 'vitest';
import {
  isNoop,
  isReachableManager,
  planUp,
  settlingEntries,
  staleEntries,
  type DesiredState,
  type ObservedNode,
  type ObservedState,
  type Role,
} from '../../src/core/swarm-plan.js';
import type { SwarmNode } from '../../src/adapters/docker/types.js';
import type { HostTarget } from '../../src/core/host.js';
import { rolesFromNodes } from '../../src/ops/swarm/live-roles.js';
import { CLUSTER, cluster, fresh, member, node, summary } from './swarm-plan-helpers.js';

const roles = (managers: string[], workers: string[]): Record<string, Role> => ({
  ...Object.fromEntries(managers.map((m) => [m, 'manager' as const])),
  ...Object.fromEntries(workers.map((w) => [w, 'worker' as const])),
});

/** A converged 3+3 cluster (a leads), without labels or network so plans show only roles. */
function converged(): { observed: ObservedState; desired: DesiredState } {
  const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
  const role = (id: string): Role => (['a', 'b', 'c'].includes(id) ? 'manager' : 'worker');
  return {
    observed: {
      hosts: ids.map((id) => member(id, role(id))),
      cluster: cluster(ids.map((id) => node(id, role(id), { leader: id === 'a' }))),
    },
    desired: { roles: roles(['a', 'b', 'c'], ['d', 'e', 'f']), firstManager: 'a' },
  };
}

/** c's engine is out of reach: SSH fails, its manager entry reads Down/Unreachable. */
function managerUnreachable(): { observed: ObservedState; desired: DesiredState } {
  const { observed, desired } = converged();
  observed.hosts[2] = { id: 'c', reachable: false, docker: false };
  observed.cluster!.nodes[2] = node('c', 'manager', { down: true });
  // What preflight hands the planner: c is not usable, so it has no wanted role.
  desired.roles = roles(['a', 'b'], ['d', 'e', 'f']);
  return { observed, desired };
}

describe('a manager that left the swarm (docker swarm leave -f)', () => {
  it('re-joins as manager after its stale entry is demoted and removed: still 3 managers, 6 nodes', () => {
    const { observed, desired } = converged();
    observed.hosts[2] = fresh('c');
    // Right after the leave the entry still reads Ready; Raft already calls it Unreachable.
    observed.cluster!.nodes[2]!.manager!.reachability = 'unreachable';
    const plan = planUp(observed, desired);
    expect(summary(plan)).toEqual(['demote c', 'remove-node c', 'reuse', 'join-manager c', 'verify']);
    expect(plan.steps[0]).toMatchObject({
      stage: 'cleanup',
      reason: 'stale entry; c now runs outside the swarm',
    });
    expect(plan.managers).toBe(3);
    expect(plan.unresolved).toEqual([]);
    expect(plan.steps.at(-1)).toMatchObject({ managers: ['a', 'b', 'c'], workers: ['d', 'e', 'f'] });
  });

  it('counts a Down entry that still reads Reachable as not reachable', () => {
    const down = node('c', 'manager', { down: true });
    down.manager!.reachability = 'reachable';
    expect(isReachableManager(down)).toBe(false);
    expect(isReachableManager(node('b', 'manager'))).toBe(true);
    const { observed, desired } = converged();
    observed.hosts[2] = fresh('c');
    observed.cluster!.nodes[2] = down;
    const plan = planUp(observed, desired);
    expect(plan.steps.find((s) => s.kind === 'reuse')).toMatchObject({ managers: 2, reachable: 2 });
  });
});

describe('a manager that is unreachable (SSH or engine down)', () => {
  it('is kept: no replacement, no cleanup, the plan says so and stays unresolved', () => {
    const { observed, desired } = managerUnreachable();
    const plan = planUp(observed, desired);
    expect(summary(plan)).toEqual(['reuse', 'verify']);
    expect(plan.managers).toBe(3);
    expect(plan.unresolved).toEqual([
      'manager c (n-c) is unreachable (c is not reachable); kept: 2/3 reachable, quorum 2',
    ]);
    expect(plan.notes.join('\n')).toMatch(
      /not replaced, roles left as they are .*--replace-unreachable-managers/,
    );
  });

  it('never ends with an even count: a replacement the roles asked for is not promoted', () => {
    const { observed, desired } = managerUnreachable();
    desired.roles = roles(['a', 'b', 'd'], ['e', 'f']);
    const plan = planUp(observed, desired);
    expect(summary(plan)).toEqual(['reuse', 'verify']);
    expect(plan.managers).toBe(3);
    expect(plan.notes.join('\n')).toMatch(/d stays a worker: 4 managers would be an even count/);
  });

  it('never demotes a healthy manager because another is unreachable', () => {
    const { observed, desired } = managerUnreachable();
    desired.roles = roles(['a'], ['b', 'd', 'e', 'f']);
    const plan = planUp(observed, desired);
    expect(plan.steps.some((s) => s.kind === 'demote')).toBe(false);
    expect(plan.notes.join('\n')).toMatch(/b stays manager while a manager is unreachable/);
  });

  it('with --replace-unreachable-managers: demotes and removes its entry, promotes a replacement, with the quorum math', () => {
    const { observed, desired } = managerUnreachable();
    desired.roles = roles(['a', 'b', 'd'], ['e', 'f']);
    desired.replaceUnreachableManagers = true;
    const plan = planUp(observed, desired);
    expect(summary(plan)).toEqual(['demote c', 'remove-node c', 'reuse', 'promote d', 'verify']);
    expect(plan.steps[0]).toMatchObject({
      stage: 'cleanup',
      host: 'c',
      reason:
        'unreachable manager (c is not reachable), replaced (--replace-unreachable-managers): 2/3 reachable, quorum 2 → 2/2 reachable, quorum 2',
    });
    expect(plan.managers).toBe(3);
    expect(plan.unresolved).toEqual([]);
  });

  it('an engine that is down on a reachable host is unreachable too', () => {
    const { observed, desired } = managerUnreachable();
    observed.hosts[2] = { id: 'c', reachable: true, docker: false, hostname: 'c' };
    const plan = planUp(observed, desired);
    expect(plan.unresolved[0]).toMatch(/c is reachable but its engine did not answer/);
    expect(summary(plan)).toEqual(['reuse', 'verify']);
  });
});

describe('a partial selection of workers', () => {
  it('with the cluster read through a manager outside the selection: nothing to change, no --force hint', () => {
    const { observed } = converged();
    const partial: ObservedState = {
      hosts: observed.hosts.filter((h) => ['d', 'e'].includes(h.id)),
      cluster: observed.cluster,
    };
    const plan = planUp(partial, { roles: roles([], ['d', 'e']), firstManager: '' });
    expect(isNoop(plan)).toBe(true);
    expect(plan.steps.some((s) => s.kind === 'skip')).toBe(false);
    expect(plan.notes.join('\n')).not.toMatch(/--force/);
  });
});

describe('stale entries after a recovery (restore --only swarm, then up)', () => {
  const at = (n: ObservedNode, addr: string): ObservedNode => ({ ...n, addr });
  it('are the old entries of hosts that now run another node id, matched by address', () => {
    const nodes = [
      at(node('a', 'manager', { leader: true }), '10.0.0.2'),
      at(node('b', 'worker', { down: true, nodeId: 'n-b-old' }), '10.0.0.3'),
      { ...at(node('b', 'worker'), '10.0.0.3') },
      {
        ...at(node('c', 'manager', { down: true, nodeId: 'n-c-old' }), '10.0.0.4'),
        state: 'unknown' as const,
      },
      at(node('c', 'manager'), '10.0.0.4'),
      at(node('x', 'worker', { down: true }), '10.0.0.9'),
    ];
    const hosts = [
      { id: 'a', address: '10.0.0.2', nodeId: 'n-a' },
      { id: 'b', address: '10.0.0.3', nodeId: 'n-b' },
      { id: 'c', address: '10.0.0.4', nodeId: 'n-c' },
    ];
    expect(staleEntries(hosts, nodes).map((n) => n.id)).toEqual(['n-b-old', 'n-c-old']);
    expect(settlingEntries(hosts, nodes)).toEqual([]);
  });

  it('an old entry that still reads Ready is waited for, never removed (it may be a NAT twin)', () => {
    const nodes = [
      { ...node('b', 'worker', { nodeId: 'n-b-old' }), addr: '10.0.0.3' },
      { ...node('b', 'worker'), addr: '10.0.0.3' },
    ];
    const hosts = [{ id: 'b', address: '10.0.0.3', nodeId: 'n-b' }];
    expect(staleEntries(hosts, nodes)).toEqual([]);
    expect(settlingEntries(hosts, nodes).map((n) => n.id)).toEqual(['n-b-old']);
  });

  it('without an IP address, match by hostname and only when the entry is not Ready', () => {
    const nodes = [
      node('b', 'worker', { nodeId: 'n-b-twin' }),
      node('b', 'worker', { down: true, nodeId: 'n-b-old' }),
    ];
    const hosts = [{ id: 'b', address: 'b.local', hostname: 'b', nodeId: 'n-b' }];
    expect(staleEntries(hosts, nodes).map((n) => n.id)).toEqual(['n-b-old']);
  });

  it('never the leader, and not for a host that is in no swarm now', () => {
    const nodes = [
      node('a', 'manager', { leader: true, nodeId: 'n-a-old' }),
      node('b', 'worker', { down: true }),
    ];
    const hosts = [
      { id: 'a', hostname: 'a', nodeId: 'n-a' },
      { id: 'b', hostname: 'b' },
    ];
    expect(staleEntries(hosts, nodes)).toEqual([]);
  });
});

describe('--role by the live swarm', () => {
  it('maps node entries to inventory hosts by address, a Ready entry winning over a stale one', () => {
    const swarmNode = (n: ObservedNode, addr: string): SwarmNode =>
      ({
        ...n,
        addr,
        engineVersion: '',
        version: 1,
        spec: { Role: n.role, Availability: 'active' },
      }) as SwarmNode;
    const nodes = [
      swarmNode(node('spark', 'manager', { leader: true }), '10.0.0.2'),
      swarmNode(node('agx-01', 'manager', { down: true, nodeId: 'n-old' }), '10.0.0.3'),
      swarmNode({ ...node('agx-01', 'worker') }, '10.0.0.3'),
      swarmNode(node('agx-02', 'manager'), '10.0.0.4'),
    ];
    const target = (id: string, address: string, role?: Role) => ({ id, address, role }) as HostTarget;
    const roles = rolesFromNodes(
      [
        target('spark', '10.0.0.2', 'manager'),
        target('agx-01', '10.0.0.3'),
        target('agx-02', '10.0.0.4'),
        target('agx-03', '10.0.0.5'),
      ],
      nodes,
    );
    expect([...roles]).toEqual([
      ['spark', 'manager'],
      ['agx-01', 'worker'],
      ['agx-02', 'manager'],
    ]);
  });
});

describe('a manager join cut mid-way (fault seed 15)', () => {
  /** a leads alone; b's join registered a manager seat that never came up; b is back outside the swarm. */
  function cutJoin(entry: Partial<ObservedNode>): { observed: ObservedState; desired: DesiredState } {
    const hosts = [member('a', 'manager'), fresh('b'), fresh('c')];
    const seat: ObservedNode = { ...node('b', 'manager', { down: true, nodeId: 'n-b-old' }), ...entry };
    return {
      observed: { hosts, cluster: cluster([node('a', 'manager', { leader: true }), seat]) },
      desired: { roles: roles(['a', 'b', 'c'], []), firstManager: 'a' },
    };
  }

  it('an unnamed, never-Ready seat does not count against quorum: it is removed and b re-joins', () => {
    const { observed, desired } = cutJoin({ hostname: '', state: 'unknown', manager: undefined });
    const plan = planUp(observed, desired);
    expect(summary(plan)).toEqual([
      'demote',
      'remove-node',
      'reuse',
      'join-manager b',
      'join-manager c',
      'verify',
    ]);
  });

  it("b's own stale seat (its host now outside the swarm) is removed the same way", () => {
    const { observed, desired } = cutJoin({});
    expect(summary(planUp(observed, desired))).toEqual([
      'demote b',
      'remove-node b',
      'reuse',
      'join-manager b',
      'join-manager c',
      'verify',
    ]);
  });

  it('a seat whose host cannot be reached still counts: quorum lost, nothing planned', () => {
    const { observed, desired } = cutJoin({});
    observed.hosts[1] = { id: 'b', reachable: false, docker: false };
    desired.roles = roles(['a', 'c'], []);
    expect(() => planUp(observed, desired)).toThrow(/has lost quorum: 1 of 2 managers reachable/);
  });
});

describe('a manager join still finishing (fault seed 15: its link came back)', () => {
  it('is never forced out while its node id holds a Raft seat: skipped, unresolved, no leave', () => {
    const { observed, desired } = converged();
    // c: engine still "pending", but the leader already lists node n-c as a manager.
    observed.hosts[2] = { ...member('c', 'manager'), swarm: { state: 'pending', nodeId: 'n-c' } };
    const plan = planUp(observed, desired);
    expect(summary(plan)).not.toContain('leave c');
    expect(plan.steps).toContainEqual(
      expect.objectContaining({
        kind: 'skip',
        host: 'c',
        reason: expect.stringMatching(/still joining as manager/),
      }),
    );
    expect(plan.unresolved.join('\n')).toMatch(/^c: still joining/);
  });

  it('a pending join with no Raft seat is still repaired (leave, join again)', () => {
    const { observed, desired } = converged();
    // Its own node id is nowhere in the node list (the old entry is Down): no seat to lose.
    observed.hosts[2] = {
      ...member('c', 'manager'),
      swarm: { state: 'pending', nodeId: 'n-c2', clusterId: CLUSTER },
    };
    observed.cluster!.nodes[2] = node('c', 'manager', { down: true });
    const plan = planUp(observed, desired);
    expect(summary(plan)).toContain('leave c');
    expect(summary(plan)).toContain('join-manager c');
  });
});
