import { describe, expect, it } from 'vitest';
import { containerCpuPercent, containerMemoryUsed } from '../../src/core/container-stats.js';
import { quorumConcerns, quorumHealth } from '../../src/core/quorum.js';
import { nodeProblems, statusVerdict, summariseServices, type StatusNode } from '../../src/core/status.js';

const node = (over: Partial<StatusNode> = {}): StatusNode => ({
  name: 'agx-01',
  hostname: 'agx-01',
  nodeId: 'n1',
  role: 'worker',
  state: 'ready',
  availability: 'active',
  managerReachability: null,
  tasks: 0,
  ssh: 'ok',
  metrics: null,
  ...over,
});

describe('quorumHealth and quorumConcerns', () => {
  it('5 of 5: can lose 2, nothing to say', () => {
    const q = quorumHealth(5, 5);
    expect(q).toEqual({ managers: 5, reachable: 5, needed: 3, canLose: 2, even: false });
    expect(quorumConcerns(q)).toEqual({ problems: [], warnings: [] });
  });

  it('2 of 3 reachable: margin 0 is a problem, in words', () => {
    const { problems } = quorumConcerns(quorumHealth(3, 2));
    expect(problems).toEqual([
      'quorum margin 0: 2 of 3 managers reachable and 2 needed, so losing one more stops the swarm',
    ]);
  });

  it('1 of 3: lost; 4 managers: an even-count warning (and margin 1 is fine)', () => {
    expect(quorumConcerns(quorumHealth(3, 1)).problems[0]).toMatch(
      /^quorum lost: 1 of 3 managers reachable, 2 needed/,
    );
    const four = quorumConcerns(quorumHealth(4, 4));
    expect(four.problems).toEqual([]);
    expect(four.warnings[0]).toMatch(
      /4 managers is an even count: it tolerates 1 failure, no more than 3 would/,
    );
  });

  it('a single manager by design: a warning, not degraded; 2 of 2 warns twice', () => {
    expect(quorumConcerns(quorumHealth(1, 1))).toEqual({
      problems: [],
      warnings: ['1 manager: no fault tolerance, losing it stops the swarm'],
    });
    expect(quorumConcerns(quorumHealth(2, 2)).warnings).toHaveLength(2);
    expect(quorumConcerns(quorumHealth(2, 1)).problems[0]).toMatch(/^quorum lost/);
  });
});

describe('summariseServices', () => {
  const services = [
    { id: 's1', name: 'web', mode: 'replicated', replicas: 3, image: 'busybox' },
    { id: 's2', name: 'agent', mode: 'global', image: 'busybox' },
    { id: 's3', name: 'migrate', mode: 'replicated-job', image: 'busybox' },
  ];
  const t = (serviceId: string, nodeId: string, state = 'running', desiredState = 'running') => ({
    serviceId,
    nodeId,
    state,
    desiredState,
  });

  it('counts running tasks on nodes that are not down, like docker service ls', () => {
    const tasks = [
      t('s1', 'a'),
      t('s1', 'b'),
      t('s1', 'down1'),
      t('s1', 'c', 'shutdown', 'shutdown'),
      t('s2', 'a'),
      t('s2', 'b', 'preparing'),
      t('s2', 'down1'),
      t('s3', 'a', 'complete', 'complete'),
    ];
    const out = summariseServices(services, tasks, new Set(['down1']));
    expect(out.map((s) => [s.name, s.running, s.desired])).toEqual([
      ['agent', 1, 2],
      ['migrate', 0, null],
      ['web', 2, 3],
    ]);
  });
});

describe('statusVerdict', () => {
  const q = quorumHealth(3, 3);
  it('healthy when every node is ready, reachable and services are full', () => {
    const v = statusVerdict(
      [node({ role: 'leader', managerReachability: 'reachable' }), node({ name: 'agx-02' })],
      [{ id: 's', name: 'web', mode: 'replicated', image: 'b', running: 2, desired: 2 }],
      q,
    );
    expect(v).toEqual({ healthy: true, problems: [], warnings: [] });
  });

  it('a down node with SSH cut, a service below replicas, margin 0: degraded with each reason', () => {
    const v = statusVerdict(
      [
        node({ name: 'agx-03', state: 'down', ssh: 'unreachable', sshError: 'connect timed out' }),
        node({ name: 'agx-04', dockerError: 'socket refused' }),
        node({ name: 'agx-05', role: 'manager', managerReachability: 'unreachable', state: 'down' }),
      ],
      [{ id: 's', name: 'web', mode: 'replicated', image: 'b', running: 1, desired: 3 }],
      quorumHealth(3, 2),
    );
    expect(v.healthy).toBe(false);
    expect(v.problems).toEqual([
      'agx-03: swarm state down, SSH unreachable (connect timed out)',
      'agx-04: Docker not answering (socket refused)',
      'agx-05: swarm state down, manager unreachable',
      'quorum margin 0: 2 of 3 managers reachable and 2 needed, so losing one more stops the swarm',
      'service web: 1/3 replicas running',
    ]);
  });

  it('drained and paused nodes are not problems; a host outside the swarm is', () => {
    expect(nodeProblems(node({ availability: 'drain' }))).toEqual([]);
    expect(nodeProblems(node({ state: 'not-in-swarm', role: null }))).toEqual(['not in the swarm']);
  });
});

describe('container stats like docker stats', () => {
  it('CPU: container delta over host delta times CPUs', () => {
    const a = { cpuTotal: 1_000_000_000, systemCpu: 100_000_000_000, onlineCpus: 4 };
    const b = { cpuTotal: 1_500_000_000, systemCpu: 102_000_000_000, onlineCpus: 4 };
    expect(containerCpuPercent(a, b)).toBeCloseTo(100);
    expect(containerCpuPercent(b, b)).toBeNull();
  });

  it('memory without reclaimable cache', () => {
    expect(containerMemoryUsed(10_000, 4_000)).toBe(6_000);
    expect(containerMemoryUsed(10_000, 0)).toBe(10_000);
    expect(containerMemoryUsed(10_000, 20_000)).toBe(10_000);
  });
});
