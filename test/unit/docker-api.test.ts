import { describe, expect, it } from 'vitest';
import { CLIENT_MAX_API, negotiateApiVersion } from '../../src/adapters/docker/engine.js';
import { parseInfo, parseNode } from '../../src/adapters/docker/parse.js';
import { toDockerError } from '../../src/adapters/docker/errors.js';
import { Secret } from '../../src/adapters/docker/types.js';
import { inspect } from 'node:util';

describe('docker API version negotiation', () => {
  it('speaks a Jetson (Docker 20.10) engine in its own version', () => {
    expect(negotiateApiVersion('1.41', 'agx-01')).toBe('1.41');
  });
  it('caps newer engines at the client maximum', () => {
    expect(negotiateApiVersion('1.51', 'spark')).toBe(CLIENT_MAX_API);
  });
  it('refuses engines without the swarm API fleet needs', () => {
    expect(() => negotiateApiVersion('1.22', 'old')).toThrow(/too old/);
  });
});

describe('engine JSON parsing', () => {
  it('reads a worker info without a cluster block (API 1.41 shape)', () => {
    const info = parseInfo({
      Name: 'agx-03',
      Swarm: {
        NodeID: 'n3',
        LocalNodeState: 'active',
        ControlAvailable: false,
        RemoteManagers: [{ Addr: '10.0.0.1:2377' }],
      },
    });
    expect(info.swarm).toMatchObject({
      nodeId: 'n3',
      controlAvailable: false,
      clusterId: '',
      remoteManagers: ['10.0.0.1:2377'],
    });
  });
  it('reads a manager node with its status', () => {
    const node = parseNode({
      ID: 'x',
      Version: { Index: 12 },
      Spec: { Role: 'manager', Availability: 'active', Labels: { a: 'b' } },
      Description: { Hostname: 'spark', Engine: { EngineVersion: '28.2.2' } },
      Status: { State: 'ready', Addr: '10.0.0.1' },
      ManagerStatus: { Leader: true, Reachability: 'reachable', Addr: '10.0.0.1:2377' },
    });
    expect(node).toMatchObject({
      version: 12,
      role: 'manager',
      labels: { a: 'b' },
      manager: { leader: true },
    });
  });
});

describe('secrets', () => {
  it('a Secret never prints its value', () => {
    const s = new Secret('SWMTKN-1-abc-def');
    expect(`${s}`).toBe('[redacted]');
    expect(JSON.stringify({ s })).toBe('{"s":"[redacted]"}');
    expect(inspect(s)).toBe('[redacted]');
  });
  it('engine errors that echo a token are redacted and drop the raw cause', () => {
    const raw = Object.assign(new Error('(HTTP code 400) bad parameter - invalid token SWMTKN-1-abc-def'), {
      statusCode: 400,
      json: { message: 'invalid join token SWMTKN-1-abc-def' },
    });
    const err = toDockerError(raw, 'agx-01', 'POST /swarm/join');
    expect(err.message).not.toContain('SWMTKN-1-abc');
    expect(err.cause).toBeUndefined();
    expect(err.code).toBe('docker');
  });
});
