/**
 * The leaderless-swarm repair decision (core/swarm-plan-recover): force a new cluster only when the
 * survivor is the one live manager and every other Raft member's own engine says it left; any doubt
 * (cannot ask, still the same node, mid-join, not in the inventory, two live managers) blocks it.
 */
import { describe, expect, it } from 'vitest';
import {
  decideLeaderlessRepair,
  describeStep,
  type ObservedHost,
  type RaftPeer,
} from '../../src/core/swarm-plan.js';

const addr = (n: number): string => `10.0.0.${n}`;
const peer = (n: number): RaftPeer => ({ nodeId: `node${n}aaaaaaaaaaaaaaaaaaaa`, addr: `${addr(n)}:2377` });

/** agx-0n at 10.0.0.n, not in a swarm. */
function host(n: number, swarm: ObservedHost['swarm'] = { state: 'inactive' }): ObservedHost {
  return { id: `agx-0${n}`, reachable: true, docker: true, address: addr(n), hostname: `agx-0${n}`, swarm };
}

/** agx-0n, a manager of a swarm without a leader whose engine lists `peers` as its Raft members. */
function survivor(n: number, peers: RaftPeer[]): ObservedHost {
  return host(n, {
    state: 'active',
    nodeId: peer(n).nodeId,
    controlAvailable: true,
    leaderless: true,
    raftPeers: [peer(n), ...peers],
  });
}

describe('decideLeaderlessRepair', () => {
  it('does nothing when no manager is leaderless', () => {
    const healthy = host(1, {
      state: 'active',
      nodeId: peer(1).nodeId,
      clusterId: 'c1',
      controlAvailable: true,
    });
    expect(decideLeaderlessRepair([healthy, host(2)])).toEqual({ kind: 'none' });
  });

  it('recovers when the only other member is a host whose engine is in no swarm (a cut join)', () => {
    const verdict = decideLeaderlessRepair([survivor(1, [peer(2)]), host(2), host(3)]);
    expect(verdict.kind).toBe('recover');
    if (verdict.kind !== 'recover') return;
    expect(verdict.step).toMatchObject({
      kind: 'force-new-cluster',
      host: 'agx-01',
      ghosts: [{ host: 'agx-02', nodeId: peer(2).nodeId }],
    });
    expect(verdict.step.reason).toMatch(/only live manager/);
    expect(verdict.step.reason).toMatch(/agx-02 \(member node2aaaaaaa\) is in no swarm/);
    expect(describeStep(verdict.step)).toMatch(
      /^recover the swarm \(init --force-new-cluster, dropping agx-02 from Raft\)/,
    );
  });

  it('recovers when every ghost left: one in no swarm, one now another node of another swarm', () => {
    const other = host(3, {
      state: 'active',
      nodeId: 'othernode0000',
      clusterId: 'other',
      controlAvailable: true,
    });
    const verdict = decideLeaderlessRepair([survivor(1, [peer(2), peer(3)]), host(2), other]);
    expect(verdict.kind).toBe('recover');
    if (verdict.kind === 'recover')
      expect(verdict.step.ghosts.map((g) => g.host)).toEqual(['agx-02', 'agx-03']);
  });

  it('refuses when another member still runs the same node (it may come back as a manager)', () => {
    const stillThere = host(2, {
      state: 'active',
      nodeId: peer(2).nodeId,
      controlAvailable: true,
      leaderless: false,
    });
    const verdict = decideLeaderlessRepair([survivor(1, [peer(2)]), stillThere]);
    expect(verdict).toMatchObject({ kind: 'blocked', host: 'agx-02' });
    if (verdict.kind === 'blocked') {
      expect(verdict.why).toMatch(/still runs node node2aaaaaaa/);
      expect(verdict.hint).toMatch(/bring agx-02's engine back online/);
    }
  });

  it('refuses when another member cannot be asked (SSH down, or its engine down)', () => {
    const noSsh = { ...host(2), reachable: false, docker: false, swarm: undefined };
    expect(decideLeaderlessRepair([survivor(1, [peer(2)]), noSsh])).toMatchObject({
      kind: 'blocked',
      host: 'agx-02',
      why: expect.stringMatching(/cannot be reached over SSH/),
    });
    const noDocker = { ...host(2), docker: false, swarm: undefined };
    expect(decideLeaderlessRepair([survivor(1, [peer(2)]), noDocker])).toMatchObject({
      kind: 'blocked',
      why: expect.stringMatching(/Docker engine does not answer/),
    });
  });

  it('refuses when a member is mid-join or locked (pending/error/locked): fleet cannot tell', () => {
    for (const state of ['pending', 'error', 'locked'] as const) {
      const verdict = decideLeaderlessRepair([survivor(1, [peer(2)]), host(2, { state })]);
      expect(verdict).toMatchObject({ kind: 'blocked', host: 'agx-02', why: expect.stringMatching(state) });
    }
  });

  it('refuses when one ghost is provable and another member is not', () => {
    const verdict = decideLeaderlessRepair([
      survivor(1, [peer(2), peer(3)]),
      host(2),
      { ...host(3), reachable: false },
    ]);
    expect(verdict).toMatchObject({ kind: 'blocked', host: 'agx-03' });
  });

  it('refuses when a member is no selected inventory host', () => {
    const verdict = decideLeaderlessRepair([survivor(1, [peer(9)]), host(2)]);
    expect(verdict).toMatchObject({
      kind: 'blocked',
      host: 'agx-01',
      why: expect.stringMatching(/10\.0\.0\.9:2377 is not a selected host/),
    });
  });

  it('refuses when two managers are live (raft elects by itself) or the survivor lists no members', () => {
    const two = decideLeaderlessRepair([
      survivor(1, [peer(2), peer(3)]),
      survivor(2, [peer(1), peer(3)]),
      host(3),
    ]);
    expect(two).toMatchObject({ kind: 'blocked', leaderless: ['agx-01', 'agx-02'] });
    const alone = decideLeaderlessRepair([survivor(1, []), host(2)]);
    expect(alone).toMatchObject({ kind: 'blocked', why: expect.stringMatching(/lists no other managers/) });
  });
});
