import { describe, expect, it } from 'vitest';
import { failureKind } from '../../src/core/host.js';
import { failureKind as backupFailureKind } from '../../src/ops/backup/report.js';
import { strandedInCluster } from '../../src/core/swarm-plan-membership.js';
import { planUp } from '../../src/core/swarm-plan.js';
import { RunTally } from '../../src/views/tally.js';

describe('one failure vocabulary (issue 8 point 16)', () => {
  it('maps error codes to the kinds every report uses; backup uses the same function', () => {
    expect(failureKind('connect')).toBe('connect');
    expect(failureKind('timeout')).toBe('timeout');
    expect(failureKind('docker')).toBe('docker');
    expect(failureKind('quorum')).toBe('quorum');
    expect(failureKind('remote-exit')).toBe('exit');
    expect(failureKind('interrupted')).toBe('interrupted');
    expect(failureKind('storage')).toBeNull();
    expect(backupFailureKind).toBe(failureKind);
  });
});

const cluster = {
  id: 'c1',
  nodes: [
    {
      id: 'n-spark',
      hostname: 'spark',
      role: 'manager' as const,
      availability: 'active' as const,
      labels: {},
      state: 'down' as const,
      manager: { leader: false, reachability: 'unreachable' as const, addr: '10.0.0.2:2377' },
    },
  ],
};

describe('a join stranded in this cluster (issue 8 point 2)', () => {
  it('pending while dialling one of our managers: ours', () => {
    expect(strandedInCluster({ state: 'pending', remoteManagers: ['10.0.0.2:2377'] }, cluster)).toBe(true);
  });
  it('pending while dialling a manager that is not ours: not ours', () => {
    expect(strandedInCluster({ state: 'pending', remoteManagers: ['10.9.9.9:2377'] }, cluster)).toBe(false);
  });
  it('a join that died (error, no cluster, node or manager): belongs to no swarm, repairable', () => {
    expect(strandedInCluster({ state: 'error' }, cluster)).toBe(true);
    expect(strandedInCluster({ state: 'error' }, undefined)).toBe(true);
  });
  it('another cluster id: not ours', () => {
    expect(strandedInCluster({ state: 'error', clusterId: 'other' }, cluster)).toBe(false);
  });
  it('the plan leaves and re-joins it without --force', () => {
    const plan = planUp(
      {
        hosts: [
          { id: 'a', reachable: true, docker: true, swarm: { state: 'inactive' } },
          { id: 'w', reachable: true, docker: true, swarm: { state: 'error' } },
        ],
      },
      { roles: { a: 'manager', w: 'worker' }, firstManager: 'a', labels: {}, force: false },
    );
    const kinds = plan.steps.filter((s) => 'host' in s && s.host === 'w').map((s) => s.kind);
    expect(kinds).toEqual(expect.arrayContaining(['leave', 'join-worker']));
    expect(kinds).not.toContain('skip');
  });
});

describe('the summary line (issue 8 point 5)', () => {
  it('counts hosts never started apart from ok and failed, and names why the run stopped', () => {
    const tally = new RunTally();
    tally.apply({ type: 'run:start', command: 'up', hosts: ['a', 'b', 'c'], at: Date.now() });
    tally.apply({ type: 'host:done', host: 'a', ok: true, durationMs: 1 });
    tally.apply({ type: 'host:done', host: 'b', ok: false, failure: 'docker', error: 'x', durationMs: 1 });
    tally.apply({ type: 'host:done', host: 'c', ok: false, notStarted: true, durationMs: 0 });
    const line = tally.finalLine({ durationMs: 1000, error: 'manager b failed to join', exitCode: 6 });
    expect(line).toMatch(
      /^3 hosts: 1 ok, 1 not started, 1 failed: 1 Docker failed in .*; stopped: manager b failed to join; exit code 6$/,
    );
  });
});
