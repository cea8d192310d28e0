import { describe, expect, it } from 'vitest';
import { FleetError } from '../../src/core/errors.js';
import {
  MANAGED_LABELS_KEY,
  applyLabelChange,
  changeSteps,
  diffLabels,
  formatPlan,
  isNoop,
  planUp,
  type DesiredState,
  type NetworkWanted,
  type ObservedState,
  type Role,
} from '../../src/core/swarm-plan.js';
import { CLUSTER, cluster, fresh, member, node, summary } from './swarm-plan-helpers.js';
import { catchFleetError } from '../helpers/fleet-error.js';

const NET: NetworkWanted = {
  name: 'fleet-network',
  driver: 'overlay',
  subnet: '10.10.0.0/16',
  attachable: true,
};
const roles = (managers: string[], workers: string[]): Record<string, Role> => ({
  ...Object.fromEntries(managers.map((m) => [m, 'manager' as const])),
  ...Object.fromEntries(workers.map((w) => [w, 'worker' as const])),
});

function quorumError(fn: () => unknown, pattern: RegExp): FleetError {
  const err = catchFleetError(fn, 'quorum');
  expect(err.message).toMatch(pattern);
  return err;
}

/** A converged 3+3 cluster: a leads; labels and network as wanted. */
function converged(): { observed: ObservedState; desired: DesiredState } {
  const labels = { arch: 'aarch64', device_type: 'jetson-agx-xavier' };
  const stored = { ...labels, [MANAGED_LABELS_KEY]: 'arch,device_type' };
  const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
  const role = (id: string): Role => (['a', 'b', 'c'].includes(id) ? 'manager' : 'worker');
  return {
    observed: {
      hosts: ids.map((id) => member(id, role(id))),
      cluster: cluster(
        ids.map((id) => node(id, role(id), { leader: id === 'a', labels: stored })),
        { networks: [{ ...NET, scope: 'swarm' }] },
      ),
    },
    desired: {
      roles: roles(['a', 'b', 'c'], ['d', 'e', 'f']),
      firstManager: 'a',
      labels: Object.fromEntries(ids.map((id) => [id, labels])),
      network: NET,
    },
  };
}

describe('planUp', () => {
  it('fresh cluster: init on the first manager, managers one by one, workers, labels, network, verify', () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    const plan = planUp(
      { hosts: ids.map(fresh) },
      {
        roles: roles(['b', 'a', 'c'], ['d', 'e', 'f']),
        firstManager: 'b',
        labels: { a: { arch: 'x86_64' } },
        network: NET,
      },
    );
    expect(summary(plan)).toEqual([
      'init b',
      'join-manager a',
      'join-manager c',
      'join-worker d',
      'join-worker e',
      'join-worker f',
      'set-labels a',
      'create-network',
      'verify',
    ]);
    expect(plan.steps[6]).toEqual({
      kind: 'set-labels',
      stage: 'labels',
      host: 'a',
      nodeId: undefined,
      add: { arch: 'x86_64', [MANAGED_LABELS_KEY]: 'arch' },
      remove: [],
    });
    expect(plan.steps.at(-1)).toEqual({
      kind: 'verify',
      stage: 'verify',
      managers: ['a', 'b', 'c'],
      workers: ['d', 'e', 'f'],
      quorum: 2,
    });
    expect(plan).toMatchObject({ managers: 3, quorum: 2, notes: [] });
  });

  it('re-run on a converged cluster plans zero change steps', () => {
    const { observed, desired } = converged();
    const plan = planUp(observed, desired);
    expect(summary(plan)).toEqual(['reuse', 'verify']);
    expect(isNoop(plan)).toBe(true);
    expect(changeSteps(plan)).toEqual([]);
    expect(plan.steps[0]).toMatchObject({ clusterId: CLUSTER, managers: 3, reachable: 3 });
  });

  it('adds a new host as a worker, with its labels', () => {
    const { observed, desired } = converged();
    observed.hosts.push(fresh('g'));
    desired.roles.g = 'worker';
    desired.labels!.g = { arch: 'x86_64' };
    const plan = planUp(observed, desired);
    expect(summary(plan)).toEqual(['reuse', 'join-worker g', 'set-labels g', 'verify']);
    expect(plan.steps.at(-1)).toMatchObject({ workers: ['d', 'e', 'f', 'g'] });
    expect(changeSteps(plan).map((s) => s.kind)).toEqual(['join-worker', 'set-labels']);
  });

  it('role change: promotes before it demotes, keeping quorum, leader demoted last', () => {
    const { observed, desired } = converged();
    desired.roles = roles(['b', 'd', 'e'], ['a', 'c', 'f']);
    const plan = planUp(observed, desired);
    expect(summary(plan)).toEqual(['reuse', 'promote d', 'promote e', 'demote c', 'demote a', 'verify']);
    expect(plan).toMatchObject({ managers: 3, quorum: 2 });
    expect(plan.steps.at(-1)).toMatchObject({ managers: ['b', 'd', 'e'], workers: ['a', 'c', 'f'] });
  });

  it('demotes unreachable managers before reachable ones', () => {
    const { observed, desired } = converged();
    observed.cluster!.nodes = [
      node('a', 'manager', { leader: true }),
      node('b', 'manager'),
      node('c', 'manager'),
      node('d', 'manager'),
      node('e', 'manager', { down: true }),
      node('f', 'worker'),
    ];
    observed.hosts[3] = member('d', 'manager');
    observed.hosts[4] = member('e', 'manager');
    desired.roles = roles(['a', 'b', 'c'], ['d', 'e', 'f']);
    desired.labels = undefined;
    expect(summary(planUp(observed, desired))).toEqual(['reuse', 'demote e', 'demote d', 'verify']);
  });

  it('refuses a demotion that would drop below quorum', () => {
    const { observed, desired } = converged();
    observed.cluster!.nodes[1] = node('b', 'manager', { down: true });
    observed.hosts[1] = { id: 'b', reachable: false, docker: false };
    observed.cluster!.nodes[2] = node('c', 'manager', { down: true });
    observed.cluster!.nodes[2]!.manager!.reachability = 'reachable';
    observed.cluster!.nodes[2]!.state = 'ready';
    desired.roles = roles(['a', 'b'], ['c', 'd', 'e', 'f']);
    desired.replaceUnreachableManagers = true;
    // b is replaced (3 → 2 managers, 2 reachable); demoting c as well would leave 1 of 1: allowed.
    // With c unreachable too the cluster has no quorum left to change anything.
    observed.cluster!.nodes[0]!.manager!.reachability = 'unreachable';
    observed.cluster!.nodes[0]!.manager!.leader = false;
    const err = quorumError(() => planUp(observed, desired), /has lost quorum: 1 of 3 managers reachable/);
    expect(err.hint).toMatch(/bring managers back online/);
  });

  it('refuses to touch a cluster that has lost quorum', () => {
    const { observed, desired } = converged();
    observed.cluster!.nodes[1] = node('b', 'manager', { down: true });
    observed.cluster!.nodes[2] = node('c', 'manager', { down: true });
    const err = quorumError(
      () => planUp(observed, desired),
      /has lost quorum: 1 of 3 managers reachable, 2 needed/,
    );
    expect(err.hint).toMatch(/--force-new-cluster/);
  });

  it('leaves a host in a foreign swarm alone without --force, moves it with --force', () => {
    const { observed, desired } = converged();
    observed.hosts.push({
      id: 'x',
      reachable: true,
      docker: true,
      swarm: { state: 'active', nodeId: 'n-other', clusterId: 'otherclusterid000', controlAvailable: true },
    });
    observed.hosts.push({
      id: 'y',
      reachable: true,
      docker: true,
      swarm: { state: 'active', nodeId: 'n-y2' },
    });
    desired.roles.x = 'worker';
    desired.roles.y = 'worker';
    const plan = planUp(observed, desired);
    expect(summary(plan)).toEqual(['skip x', 'skip y', 'reuse', 'verify']);
    expect(plan.steps[0]).toMatchObject({
      cause: 'foreign',
      reason: expect.stringMatching(/another swarm \(othercluster\)/),
    });
    expect(isNoop(plan)).toBe(true);
    const forced = planUp(observed, { ...desired, force: true });
    expect(summary(forced)).toEqual([
      'leave x',
      'leave y',
      'reuse',
      'join-worker x',
      'join-worker y',
      'verify',
    ]);
    expect(forced.steps[0]).toMatchObject({ force: true });
  });

  it('skips unreachable hosts and hosts without Docker, and says what that does to the managers', () => {
    const plan = planUp(
      {
        hosts: [
          fresh('a'),
          { id: 'b', reachable: false, docker: false },
          { id: 'c', reachable: true, docker: false },
          fresh('d'),
        ],
      },
      { roles: roles(['a', 'b', 'c'], ['d']), firstManager: 'a' },
    );
    expect(summary(plan)).toEqual(['skip b', 'skip c', 'init a', 'join-worker d', 'verify']);
    expect(plan.steps[0]).toMatchObject({ cause: 'unreachable' });
    expect(plan.steps[1]).toMatchObject({ cause: 'no-docker' });
    expect(plan.notes).toEqual([
      'b, c cannot become managers in this run: the swarm will have 1 manager (tolerates 0 failures)',
    ]);
  });

  it('inits on the next manager when the first cannot, and refuses when none can', () => {
    const plan = planUp(
      { hosts: [{ id: 'a', reachable: false, docker: false }, fresh('b'), fresh('c')] },
      { roles: roles(['a', 'b', 'c'], []), firstManager: 'a' },
    );
    // Two managers would be an even count: c joins as a worker until a can join.
    expect(summary(plan)).toEqual(['skip a', 'init b', 'join-worker c', 'verify']);
    expect(plan.notes[0]).toBe('a cannot start the swarm; b initialises it instead');
    expect(plan.notes[1]).toMatch(/^c stays a worker: 2 managers would be an even count/);
    expect(plan.managers).toBe(1);
    quorumError(
      () =>
        planUp(
          { hosts: [{ id: 'a', reachable: false, docker: false }, fresh('b')] },
          { roles: roles(['a'], ['b']), firstManager: 'a' },
        ),
      /no wanted manager can start the swarm \(a: not reachable over SSH\)/,
    );
  });

  it('removes stale down entries of hosts that re-joined or left; demotes stale managers first', () => {
    const { observed, desired } = converged();
    desired.labels = undefined;
    // d re-joined: its old entry n-d-old is down. c left: its manager entry is down, c is inactive now.
    observed.cluster!.nodes.push(node('d', 'worker', { down: true, nodeId: 'n-d-old' }));
    observed.cluster!.nodes[2] = node('c', 'manager', { down: true });
    observed.hosts[2] = fresh('c');
    // A down node nobody claims is only reported.
    observed.cluster!.nodes.push(node('old-pi', 'worker', { down: true }));
    const plan = planUp(observed, desired);
    expect(summary(plan)).toEqual([
      'demote c',
      'remove-node c',
      'remove-node d',
      'reuse',
      'join-manager c',
      'verify',
    ]);
    expect(plan.steps[0]).toMatchObject({ stage: 'cleanup', nodeId: 'n-c' });
    expect(plan.steps[0]).not.toHaveProperty('host');
    expect(plan.steps[2]).toMatchObject({
      nodeId: 'n-d-old',
      reason: 'stale entry; d now runs node n-d',
    });
    expect(plan.notes).toEqual(['node old-pi (n-old-pi) is down and no selected host claims it']);
    expect(plan.managers).toBe(3);
  });

  it('does not promote a node that is down', () => {
    const { observed, desired } = converged();
    observed.cluster!.nodes[3] = node('d', 'worker', { down: true });
    desired.roles = { ...desired.roles, d: 'manager' };
    desired.labels = undefined;
    const plan = planUp(observed, desired);
    expect(summary(plan)).toEqual(['reuse', 'verify']);
    expect(plan.notes).toContain('d is not promoted: its node is down');
    expect(plan.steps.at(-1)).toMatchObject({ managers: ['a', 'b', 'c'] });
  });

  it('refuses a network that exists with other settings, naming the differences', () => {
    const { observed, desired } = converged();
    observed.cluster!.networks = [
      { name: 'fleet-network', driver: 'overlay', subnet: '10.0.9.0/24', attachable: false },
    ];
    try {
      planUp(observed, desired);
      throw new Error('expected a docker error');
    } catch (err) {
      expect((err as FleetError).code).toBe('docker');
      expect((err as FleetError).message).toBe(
        'network fleet-network exists with different settings: subnet 10.0.9.0/24 (wanted 10.10.0.0/16), attachable false (wanted true)',
      );
    }
  });

  it('leaves hosts without a wanted role alone, and reports members not selected', () => {
    const { observed, desired } = converged();
    delete desired.roles.f;
    const plan = planUp(observed, desired);
    expect(isNoop(plan)).toBe(true);
    expect(plan.notes).toEqual(['f (f) is in the swarm but not selected: left as worker']);
  });

  it('prints one line per step', () => {
    const plan = planUp(
      { hosts: [fresh('a'), fresh('b')] },
      { roles: roles(['a'], ['b']), firstManager: 'a', labels: { b: { gpu: 'true' } }, network: NET },
    );
    expect(formatPlan(plan)).toBe(
      [
        'a: initialise the swarm',
        'b: join the swarm as worker',
        `b: set node labels gpu=true ${MANAGED_LABELS_KEY}=gpu`,
        'create overlay network fleet-network 10.10.0.0/16 (attachable)',
        'verify 1 managers, 1 workers, quorum 1',
      ].join('\n'),
    );
  });
});

describe('planUp at 16 hosts (spark + agx-01..15)', () => {
  const ids = ['spark', ...Array.from({ length: 15 }, (_, i) => `agx-${String(i + 1).padStart(2, '0')}`)];
  const managers = ['spark', 'agx-01', 'agx-03', 'agx-05', 'agx-07'];
  const desired: DesiredState = {
    roles: Object.fromEntries(ids.map((id) => [id, managers.includes(id) ? 'manager' : 'worker'])),
    firstManager: 'spark',
    network: NET,
  };

  it('fresh: init on the Spark, 4 managers one by one, 11 workers in one parallel group', () => {
    const plan = planUp({ hosts: ids.map(fresh) }, desired);
    const kinds = plan.steps.map((s) => s.kind);
    expect(kinds.filter((k) => k === 'join-manager')).toHaveLength(4);
    expect(kinds.filter((k) => k === 'join-worker')).toHaveLength(11);
    expect(summary(plan).slice(0, 5)).toEqual([
      'init spark',
      'join-manager agx-01',
      'join-manager agx-03',
      'join-manager agx-05',
      'join-manager agx-07',
    ]);
    // Workers are contiguous: the phase can hand them to one bounded pool.
    const first = kinds.indexOf('join-worker');
    expect(kinds.slice(first, first + 11).every((k) => k === 'join-worker')).toBe(true);
    expect(plan).toMatchObject({ managers: 5, quorum: 3 });
  });

  it('second run over the formed swarm changes nothing', () => {
    const observed: ObservedState = {
      hosts: ids.map((id) => member(id, desired.roles[id]!)),
      cluster: cluster(
        ids.map((id) => node(id, desired.roles[id]!, { leader: id === 'spark' })),
        { networks: [NET] },
      ),
    };
    expect(isNoop(planUp(observed, desired))).toBe(true);
  });
});

describe('label convergence', () => {
  it('adds changed labels, removes the ones fleet set before, never touches hand-made ones', () => {
    const current = {
      arch: 'aarch64',
      'gpu.model': 'old',
      zone: 'rack1',
      [MANAGED_LABELS_KEY]: 'arch,gpu.model',
    };
    const change = diffLabels(current, { arch: 'aarch64', gpu: 'true' });
    expect(change).toEqual({ add: { gpu: 'true', [MANAGED_LABELS_KEY]: 'arch,gpu' }, remove: ['gpu.model'] });
    expect(applyLabelChange(current, change)).toEqual({
      arch: 'aarch64',
      gpu: 'true',
      zone: 'rack1',
      [MANAGED_LABELS_KEY]: 'arch,gpu',
    });
    expect(diffLabels(applyLabelChange(current, change), { arch: 'aarch64', gpu: 'true' })).toEqual({
      add: {},
      remove: [],
    });
    expect(diffLabels({ a: '1', [MANAGED_LABELS_KEY]: 'a' }, {})).toEqual({
      add: {},
      remove: ['a', MANAGED_LABELS_KEY],
    });
  });
});
