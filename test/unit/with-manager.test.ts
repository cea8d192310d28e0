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

function engine(host: string, nodes: SwarmNode[] | FleetError): DockerEngine {
  return {
    host,
    listNodes: () => (nodes instanceof FleetError ? Promise.reject(nodes) : Promise.resolve(nodes)),
  } as unknown as DockerEngine;
}

const rt = { signal: new AbortController().signal } as Runtime;
const nodes = [node(1, false), node(2, true), node(3, false)];

describe('withManager', () => {
  it('runs on the leader when the first manager that answers names it', async () => {
    const seen: string[] = [];
    const answer = await withManager(
      rt,
      [
        { target: target('m1', 1), engine: engine('m1', nodes) },
        { target: target('m2', 2), engine: engine('m2', nodes) },
      ],
      async (e) => {
        seen.push(e.host);
        return e.host;
      },
    );
    expect(answer.result).toBe('m2');
    expect(answer.via.id).toBe('m2');
    expect(seen).toEqual(['m2']);
  });

  it('falls back to the manager that answered when the leader fails, and on to the next when one fails', async () => {
    const down = new FleetError('connect', 'connection refused');
    const answer = await withManager(
      rt,
      [
        { target: target('m3', 3), error: down },
        { target: target('m1', 1), engine: engine('m1', nodes) },
        { target: target('m2', 2), engine: engine('m2', nodes) },
      ],
      async (e) => {
        if (e.host === 'm2') throw new FleetError('docker', 'GET /services: engine stopped answering');
        return e.host;
      },
    );
    expect(answer.via.id).toBe('m1');
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
});
