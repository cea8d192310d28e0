/**
 * The edge between preflight and the planner: what a host record becomes for planUp/planDown, and
 * the labels fleet wants on a node. Plain data in, plain data out.
 */
import { describe, expect, it } from 'vitest';
import type { EngineInfo } from '../../src/adapters/docker/types.js';
import { membership } from '../../src/core/swarm-plan.js';
import { newResult, type HostRecord } from '../../src/ops/swarm/context.js';
import { wantedLabels } from '../../src/ops/swarm/labels.js';
import { observedHost } from '../../src/ops/swarm/plan.js';
import { leaderless } from '../../src/ops/swarm/observe.js';

function info(swarm: Partial<EngineInfo['swarm']>): EngineInfo {
  return {
    hostname: 'agx-01',
    serverVersion: '20.10.24',
    apiVersion: '1.41',
    os: 'Ubuntu 18.04',
    arch: 'aarch64',
    containersRunning: 0,
    dockerRootDir: '/var/lib/docker',
    swarm: {
      nodeId: '',
      nodeAddr: '',
      localNodeState: 'inactive',
      controlAvailable: false,
      clusterId: '',
      remoteManagers: [],
      managers: 0,
      nodes: 0,
      error: '',
      ...swarm,
    },
  };
}

function record(extra: Partial<HostRecord> = {}): HostRecord {
  return {
    target: { id: 'agx-01', address: '10.77.6.3', port: 22, user: 'root', identityFiles: [] },
    membership: 'unknown',
    result: newResult(),
    ...extra,
  };
}

const connected = { conn: {} as HostRecord['conn'], engine: {} as HostRecord['engine'] };

describe('observedHost', () => {
  it('a host that was never reached is unreachable, without swarm state', () => {
    expect(observedHost(record())).toEqual({
      id: 'agx-01',
      reachable: false,
      docker: false,
      hostname: undefined,
      // The inventory address still ties it to its node entry (an unreachable manager is kept, not replaced).
      address: '10.77.6.3',
      swarm: undefined,
    });
  });

  it('reached over SSH but no engine answered: reachable, no Docker', () => {
    const o = observedHost(record({ conn: connected.conn }));
    expect(o).toMatchObject({ reachable: true, docker: false });
    expect(membership(o, undefined)).toMatchObject({ kind: 'unusable', cause: 'no-docker' });
  });

  it("a worker's empty cluster id and node id become undefined (a worker cannot tell its cluster)", () => {
    const o = observedHost(
      record({ ...connected, info: info({ localNodeState: 'active', nodeId: 'n-agx-01', clusterId: '' }) }),
    );
    expect(o.swarm).toEqual({
      state: 'active',
      nodeId: 'n-agx-01',
      clusterId: undefined,
      controlAvailable: false,
    });
    expect(o.hostname).toBe('agx-01');
    // Not listed by our managers: another swarm's worker.
    expect(membership(o, { id: 'ours', nodes: [] })).toEqual({ kind: 'foreign', clusterId: undefined });
  });

  it('an inactive engine is free to join', () => {
    const o = observedHost(record({ ...connected, info: info({}) }));
    expect(o.swarm).toMatchObject({ state: 'inactive', nodeId: undefined });
    expect(membership(o, undefined)).toEqual({ kind: 'none' });
  });
});

describe('wantedLabels', () => {
  const facts = { hostname: 'agx-01', arch: 'aarch64', deviceType: 'jetson-agx-xavier', raw: {} };

  it('arch in Docker terms, device type, and nodes.yml labels winning over facts', () => {
    const host = record({ facts, target: { ...record().target, labels: { zone: 'lab', arch: 'custom' } } });
    expect(wantedLabels(host)).toEqual({ arch: 'custom', device_type: 'jetson-agx-xavier', zone: 'lab' });
  });

  it('a GPU adds gpu=true and its model; the inventory type beats the detected one', () => {
    const host = record({
      facts: { ...facts, arch: 'x86_64', gpuModel: 'NVIDIA GeForce RTX 4090' },
      target: { ...record().target, type: 'x86' },
    });
    expect(wantedLabels(host)).toEqual({
      arch: 'amd64',
      device_type: 'x86',
      gpu: 'true',
      'gpu.model': 'NVIDIA GeForce RTX 4090',
    });
  });

  it('without facts only the inventory type is known', () => {
    const host = record({ target: { ...record().target, type: 'raspberry-pi' } });
    expect(wantedLabels(host)).toEqual({ device_type: 'raspberry-pi' });
  });
});

describe('leaderless (issue 8: a swarm without quorum was taken for "another swarm")', () => {
  it('a manager whose swarm has no leader: active, control available, no cluster readable', () => {
    expect(leaderless(record({ info: info({ localNodeState: 'active', controlAvailable: true }) }))).toBe(
      true,
    );
  });

  it('a node that names the missing leader in its swarm error', () => {
    const error = 'rpc error: code = Unknown desc = The swarm does not have a leader';
    expect(leaderless(record({ info: info({ localNodeState: 'active', error }) }))).toBe(true);
  });

  it('not a manager whose cluster is readable, a plain worker, or a host in no swarm', () => {
    const manager = info({ localNodeState: 'active', controlAvailable: true, clusterId: 'c1' });
    expect(leaderless(record({ info: manager }))).toBe(false);
    expect(leaderless(record({ info: info({ localNodeState: 'active' }) }))).toBe(false);
    expect(leaderless(record({ info: info({}) }))).toBe(false);
  });
});
