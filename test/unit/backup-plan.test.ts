import { describe, expect, it } from 'vitest';
import {
  planBackup,
  quorumAfterStopping,
  validatePath,
  type ClusterNode,
  type HostObservation,
  type PlanOptions,
} from '../../src/core/backup-plan.js';
import { FleetError } from '../../src/core/errors.js';

const host = (
  name: string,
  manager: boolean | undefined,
  over: Partial<HostObservation> = {},
): HostObservation => ({
  host: name,
  docker:
    manager === undefined
      ? undefined
      : { version: '27.5.1', nodeId: `id-${name}`, localNodeState: 'active', clusterId: 'C', manager },
  existingPaths: ['/etc/fleet'],
  volumes: {},
  ...over,
});
const node = (
  name: string,
  role: 'manager' | 'worker',
  leader = false,
  reachability: ClusterNode['reachability'] = 'reachable',
): ClusterNode => ({
  nodeId: `id-${name}`,
  role,
  leader,
  reachability: role === 'manager' ? reachability : undefined,
});
const opts = (over: Partial<PlanOptions> = {}): PlanOptions => ({
  kinds: ['swarm', 'paths', 'volumes'],
  extraPaths: [],
  volumes: [],
  allowDowntime: false,
  explicitKinds: false,
  ...over,
});
const threeManagers = [
  node('m1', 'manager', true),
  node('m2', 'manager'),
  node('m3', 'manager'),
  node('w1', 'worker'),
];
const hosts3 = [host('m1', true), host('m2', true), host('m3', true), host('w1', false)];

function errorOf(fn: () => unknown): FleetError {
  try {
    fn();
  } catch (e) {
    return e as FleetError;
  }
  throw new Error('expected an error');
}

describe('quorum math', () => {
  it('allows stopping one of 3 reachable managers but not one of 2, 1, or 3 with one down', () => {
    expect(quorumAfterStopping(threeManagers).ok).toBe(true);
    expect(quorumAfterStopping([node('a', 'manager', true), node('b', 'manager')]).ok).toBe(false);
    expect(quorumAfterStopping([node('a', 'manager', true)]).ok).toBe(false);
    expect(
      quorumAfterStopping([
        node('a', 'manager', true),
        node('b', 'manager'),
        node('c', 'manager', false, 'unreachable'),
      ]).ok,
    ).toBe(false);
    expect(
      quorumAfterStopping([
        ...threeManagers,
        node('m4', 'manager'),
        node('m5', 'manager', false, 'unreachable'),
      ]).ok,
    ).toBe(true);
  });
});

describe('planBackup', () => {
  it('archives the swarm from a reachable non-leader manager and /etc/fleet everywhere', () => {
    const plan = planBackup(hosts3, threeManagers, opts());
    expect(plan.swarm).toEqual({ host: 'm2', nodeId: 'id-m2', managers: 3, wasLeader: false });
    expect(plan.clusterId).toBe('C');
    expect(plan.items.filter((i) => i.kind === 'swarm').map((i) => i.host)).toEqual(['m2']);
    expect(plan.items.filter((i) => i.kind === 'path').map((i) => i.host)).toEqual(['m1', 'm2', 'm3', 'w1']);
  });

  it('refuses a single-manager cluster with a quorum error unless --allow-downtime', () => {
    const hosts = [host('m1', true), host('w1', false)];
    const cluster = [node('m1', 'manager', true), node('w1', 'worker')];
    const err = errorOf(() => planBackup(hosts, cluster, opts()));
    expect(err.code).toBe('quorum');
    expect(err.message).toContain('single manager');
    expect(err.hint).toContain('--allow-downtime');
    expect(planBackup(hosts, cluster, opts({ allowDowntime: true })).swarm).toEqual({
      host: 'm1',
      nodeId: 'id-m1',
      managers: 1,
      wasLeader: true,
    });
  });

  it('refuses when one manager is already down in a 3-manager cluster', () => {
    const cluster = [
      node('m1', 'manager', true),
      node('m2', 'manager'),
      node('m3', 'manager', false, 'unreachable'),
    ];
    const err = errorOf(() => planBackup(hosts3, cluster, opts()));
    expect(err.code).toBe('quorum');
    expect(err.message).toContain('2/3 managers reachable, quorum needs 2');
  });

  it('does not pick the leader when only the leader is selected (-n leader)', () => {
    const err = errorOf(() => planBackup([host('m1', true)], threeManagers, opts()));
    expect(err.code).toBe('quorum');
    expect(err.message).toContain('no selected manager is a reachable non-leader');
  });

  it('skips the swarm with a note for worker-only selections, but errors under --only swarm', () => {
    const plan = planBackup([host('w1', false)], threeManagers, opts());
    expect(plan.swarm).toBeUndefined();
    expect(plan.notes[0]!.message).toContain('no selected host is a swarm manager');
    expect(() =>
      planBackup([host('w1', false)], threeManagers, opts({ kinds: ['swarm'], explicitKinds: true })),
    ).toThrow(/cannot back up the swarm/);
  });

  it('skips an absent default path with a note but refuses an absent --path', () => {
    const hosts = [
      host('a', undefined, { existingPaths: ['/srv/app'] }),
      host('b', undefined, { existingPaths: [] }),
    ];
    const plan = planBackup([hosts[0]!], undefined, opts({ kinds: ['paths'], extraPaths: ['/srv/app/'] }));
    expect(plan.items).toEqual([{ host: 'a', kind: 'path', source: '/srv/app' }]);
    expect(plan.notes).toEqual([{ host: 'a', message: '/etc/fleet does not exist here; skipped' }]);
    const err = errorOf(() => planBackup(hosts, undefined, opts({ extraPaths: ['/srv/app'] })));
    expect(err.message).toBe('/srv/app does not exist on b');
  });

  it('backs a volume up wherever it exists and refuses one that exists nowhere', () => {
    const hosts = [
      host('a', false, { volumes: { pg: '/var/lib/docker/volumes/pg/_data' } }),
      host('b', false),
    ];
    const plan = planBackup(hosts, threeManagers, opts({ kinds: ['volumes'], volumes: ['pg'] }));
    expect(plan.items).toEqual([
      { host: 'a', kind: 'volume', source: 'pg', dir: '/var/lib/docker/volumes/pg/_data' },
    ]);
    expect(() => planBackup(hosts, threeManagers, opts({ kinds: ['volumes'], volumes: ['nope'] }))).toThrow(
      /exists on none/,
    );
  });

  it('refuses hosts from two different swarms', () => {
    const other = host('x', true);
    other.docker!.clusterId = 'D';
    expect(() => planBackup([...hosts3, other], threeManagers, opts())).toThrow(/2 different swarms/);
  });

  it('validates paths', () => {
    expect(validatePath('/etc/fleet/')).toBe('/etc/fleet');
    expect(() => validatePath('etc')).toThrow(/absolute/);
    expect(() => validatePath('/etc/../root')).toThrow(/normalised/);
    expect(() => validatePath('/')).toThrow(/whole root/);
  });
});
