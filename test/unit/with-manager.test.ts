/**
 * ops/shared/manager.ts withManager's order and errors, with engines that answer from tables (the
 * lab e2e test/e2e/status.test.ts runs it against real managers, one of them cut off).
 */
import { describe, expect, it } from 'vitest';
import type { DockerEngine, SwarmNode } from '../../src/adapters/docker/types.js';
import { FleetError } from '../../src/core/errors.js';
import type { HostTarget } from '../../src/core/host.js';
import { withManager } from '../../src/ops/shared/manager.js';
import type { Runtime } from '../../src/runtime/types.js';

const target = (id: string, n: number): HostTarget => ({
  id,
  address: `10.0.0.${n}`,
  port: 22,
  user: 'root',
  identityFiles: [],
});

const node = (n: number, leader: boolean): SwarmNode => ({
  id: `n${n}`,
  version: 1,
  hostname: `h${n}`,
  role: 'manager',
  availability: 'active',
  labels: {},
  state: 'ready',
  addr: `10.0.0.${n}`,
  engineVersion: '27',
  manager: { leader, reachability: 'reachable', addr: `10.0.0.${n}:2377` },
  spec: { Role: 'manager', Availability: 'active' },
});

function engine(host: string, nodes: SwarmNode[] | FleetError, nodeId = `n${host.slice(1)}`): DockerEngine {
  return {
    host,
    info: () => Promise.resolve({ swarm: { localNodeState: 'active', controlAvailable: true, nodeId } }),
    listNodes: () => (nodes instanceof FleetError ? Promise.reject(nodes) : Promise.resolve(nodes)),
    close: () => {
      throw new Error('a borrowed engine must not be closed by withManager');
    },
  } as unknown as DockerEngine;
}

const rt = {
  signal: new AbortController().signal,
  pool: () =>
    Promise.resolve({
      connect: () => Promise.reject(new Error('no connection needed: every engine is borrowed')),
    }),
  bus: { log: () => undefined },
} as unknown as Runtime;
const nodes = [node(1, false), node(2, true), node(3, false)];

describe('withManager', () => {
  it('runs on the leader when the first manager that answers names it', async () => {
    const seen: string[] = [];
    const result = await withManager(
      rt,
      [
        { target: target('m1', 1), engine: engine('m1', nodes) },
        { target: target('m2', 2), engine: engine('m2', nodes) },
      ],
      async (m) => {
        seen.push(m.engine.host);
        return { host: m.engine.host, via: m.target.id, leader: m.leader, nodes: m.nodes.length };
      },
    );
    expect(result).toEqual({ host: 'm2', via: 'm2', leader: true, nodes: 3 });
    expect(seen).toEqual(['m2']);
  });

  it('skips a manager the caller could not reach and uses the next one that answers', async () => {
    const down = new FleetError('connect', 'connection refused');
    const via = await withManager(
      rt,
      [
        { target: target('m3', 3), error: down },
        { target: target('m1', 1), engine: engine('m1', [node(1, true), node(3, false)]) },
      ],
      async (m) => m.target.id,
    );
    expect(via).toBe('m1');
  });

  it('names every manager tried and why when none answers; no leader is a quorum error', async () => {
    const err = (await withManager(
      rt,
      [
        { target: target('m1', 1), error: new FleetError('connect', 'connect timed out') },
        {
          target: target('m2', 2),
          engine: engine('m2', new FleetError('docker', 'GET /nodes: The swarm does not have a leader')),
        },
      ],
      async () => 1,
    ).catch((e: unknown) => e)) as FleetError;
    expect(err).toBeInstanceOf(FleetError);
    expect(err.code).toBe('quorum');
    expect(err.message).toBe(
      'no swarm manager answered: m1 (connect timed out); m2 (GET /nodes: The swarm does not have a leader)',
    );
  });

  it("fn's own refusals are not retried elsewhere; no candidates is a usage error", async () => {
    let calls = 0;
    const refused = (await withManager(rt, [{ target: target('m2', 2), engine: engine('m2', nodes) }], () => {
      calls++;
      return Promise.reject(new FleetError('quorum', 'would break quorum'));
    }).catch((e: unknown) => e)) as FleetError;
    expect(refused.code).toBe('quorum');
    expect(calls).toBe(1);
    const none = (await withManager(rt, [], async () => 1).catch((e: unknown) => e)) as FleetError;
    expect(none.code).toBe('usage');
  });

  it('avoid: a manager outside the avoided set first, even when an avoided one leads; avoided ones last', async () => {
    const leaderFirst = [node(1, true), node(2, false), node(3, false)];
    const via = await withManager(
      rt,
      [
        { target: target('m1', 1), engine: engine('m1', leaderFirst) },
        { target: target('m2', 2), engine: engine('m2', leaderFirst) },
      ],
      async (m) => ({ via: m.target.id, leader: m.leader }),
      { avoid: new Set(['m1']) },
    );
    expect(via).toEqual({ via: 'm2', leader: false });
    const onlyAvoided = await withManager(
      rt,
      [
        { target: target('m2', 2), error: new FleetError('connect', 'connection refused') },
        { target: target('m1', 1), engine: engine('m1', leaderFirst) },
      ],
      async (m) => m.target.id,
      { avoid: new Set(['m1']) },
    );
    expect(onlyAvoided).toBe('m1');
  });

  it('avoid: the hint of the caller when no manager answers at all', async () => {
    const err = (await withManager(
      rt,
      [{ target: target('m1', 1), error: new FleetError('connect', 'connect timed out') }],
      async () => 1,
      { avoid: new Set(['m1']), hint: 'select a manager too (-n), or pass --no-drain' },
    ).catch((e: unknown) => e)) as FleetError;
    expect(err.code).toBe('connect');
    expect(err.message).toBe('no swarm manager answered: m1 (connect timed out)');
    expect(err.hint).toBe('select a manager too (-n), or pass --no-drain');
  });
});
