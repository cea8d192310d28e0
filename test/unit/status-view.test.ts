import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { SwarmNode, SwarmTask } from '../../src/adapters/docker/types.js';
import { parseHostMetrics } from '../../src/core/host-metrics.js';
import { quorumHealth } from '../../src/core/quorum.js';
import { statusVerdict, type ServiceHealth } from '../../src/core/status.js';
import type { StatusProbe } from '../../src/ops/status/probe.js';
import { statusRows } from '../../src/ops/status/rows.js';
import type { StatusResult } from '../../src/ops/status/run.js';
import { renderStatus, usagePair } from '../../src/views/status.js';
import { FleetError } from '../../src/core/errors.js';

const metrics = (name: string) =>
  parseHostMetrics(readFileSync(new URL(`../../fixtures/host-metrics/${name}.txt`, import.meta.url), 'utf8'));

const swarmNode = (id: string, hostname: string, over: Partial<SwarmNode> = {}): SwarmNode => ({
  id,
  version: 1,
  hostname,
  role: 'worker',
  availability: 'active',
  labels: {},
  state: 'ready',
  addr: `10.0.0.${id.slice(1)}`,
  engineVersion: '27.0',
  spec: { Role: 'worker', Availability: 'active' },
  ...over,
});

const target = (id: string, address: string) => ({ id, address, port: 22, user: 'root', identityFiles: [] });
const info = (nodeId: string) => ({ swarm: { nodeId } }) as unknown as NonNullable<StatusProbe['info']>;

function fixture(): StatusResult {
  const nodes = [
    swarmNode('n1', 'spark', {
      role: 'manager',
      manager: { leader: true, reachability: 'reachable', addr: '10.0.0.1:2377' },
    }),
    swarmNode('n2', 'agx-01', {
      manager: { leader: false, reachability: 'reachable', addr: '10.0.0.2:2377' },
      role: 'manager',
    }),
    swarmNode('n3', 'agx-02', {
      manager: { leader: false, reachability: 'reachable', addr: '10.0.0.3:2377' },
      role: 'manager',
    }),
    swarmNode('n10', 'agx-10', { state: 'down' }),
  ];
  const probes: StatusProbe[] = [
    { target: target('spark', '10.0.0.1'), info: info('n1'), metrics: metrics('dgx-spark-gb10') },
    { target: target('agx-01', '10.0.0.2'), info: info('n2'), metrics: metrics('jetson-agx-xavier-jp46') },
    { target: target('agx-02', '10.0.0.3'), info: info('n3'), metrics: metrics('jetson-agx-xavier-jp5') },
    // Unreachable over SSH: no node id; matched to its swarm node by address.
    { target: target('agx-10', '10.0.0.10'), sshError: new FleetError('connect', 'connect timed out') },
  ];
  const task = (nodeId: string, serviceId = 's1'): SwarmTask => ({
    id: `t-${nodeId}`,
    serviceId,
    nodeId,
    desiredState: 'running',
    err: '',
    timestamp: '',
    createdAt: '',
    image: 'busybox',
    state: 'running',
    message: 'started',
  });
  const rows = statusRows(nodes, [task('n1'), task('n1'), task('n2'), task('n10')], probes);
  const services: ServiceHealth[] = [
    { id: 's1', name: 'inference', mode: 'replicated', image: 'img', running: 3, desired: 4 },
    { id: 's2', name: 'web', mode: 'replicated', image: 'img', running: 2, desired: 2 },
  ];
  const quorum = quorumHealth(3, 3);
  return {
    timestamp: '2026-11-30T07:00:00.000Z',
    durationMs: 800,
    cluster: { id: '98psost572xpabcdef', via: 'spark', leader: 'spark', nodesReady: 3, nodesTotal: 4 },
    quorum,
    services,
    storage: { usedBytes: 2.1 * 1024 ** 4, totalBytes: 4 * 1024 ** 4 },
    nodes: rows,
    verdict: statusVerdict(rows, services, quorum),
  };
}

describe('statusRows', () => {
  it('joins by node id, then address; leader first; tasks counted per node', () => {
    const r = fixture();
    expect(r.nodes.map((n) => [n.name, n.role, n.tasks, n.ssh])).toEqual([
      ['spark', 'leader', 2, 'ok'],
      ['agx-01', 'manager', 1, 'ok'],
      ['agx-02', 'manager', 0, 'ok'],
      ['agx-10', 'worker', 1, 'unreachable'],
    ]);
  });

  it('a selected host the swarm does not list gets its own row', () => {
    const rows = statusRows([], [], [{ target: target('pi-01', '10.0.0.50'), info: info('') }]);
    expect(rows).toEqual([expect.objectContaining({ name: 'pi-01', state: 'not-in-swarm', role: null })]);
  });

  it('a node the swarm lists whose own engine left the swarm: one row, state left, degraded', () => {
    const inactive = { swarm: { nodeId: '', localNodeState: 'inactive' } } as unknown as NonNullable<
      StatusProbe['info']
    >;
    const nodes = [
      swarmNode('n1', 'spark', {
        role: 'manager',
        manager: { leader: true, reachability: 'reachable', addr: '10.0.0.1:2377' },
      }),
      swarmNode('n4', 'agx-04', { state: 'down' }),
    ];
    const probes: StatusProbe[] = [
      { target: target('spark', '10.0.0.1'), info: info('n1') },
      { target: target('agx-04', '10.0.0.4'), info: inactive, metrics: metrics('jetson-agx-xavier-jp46') },
    ];
    const rows = statusRows(nodes, [], probes);
    expect(rows.map((r) => [r.name, r.role, r.state, r.nodeId, r.ssh])).toEqual([
      ['spark', 'leader', 'ready', 'n1', 'ok'],
      ['agx-04', 'worker', 'left', 'n4', 'ok'],
    ]);
    expect(rows[1]?.metrics).not.toBeNull();
    const verdict = statusVerdict(rows, [], quorumHealth(1, 1));
    expect(verdict.healthy).toBe(false);
    expect(verdict.problems).toContain(
      'agx-04: left the swarm (its engine is in no swarm; fleet up re-joins it)',
    );
    const text = renderStatus(
      {
        ...fixture(),
        nodes: rows,
        verdict,
      },
      { color: false },
    );
    expect(text).toMatch(/^agx-04 +worker +left +active .* left the swarm$/m);
  });
});

describe('renderStatus', () => {
  it('renders the screen of the issue without colour off a TTY', () => {
    const text = renderStatus(fixture(), { color: false });
    expect(text).not.toContain('\x1b[');
    const lines = text.split('\n');
    expect(lines[0]).toBe(
      'Cluster  swarm 98psost572xp   3/4 nodes ready   managers 3/3 (leader spark, can lose 1)',
    );
    expect(lines[1]).toBe('Services 1 running, 1 degraded (inference 3/4)   Storage 2.1 TB / 4 TB used');
    expect(lines[2]).toMatch(/^NODE +ROLE +STATE +AVAIL +CPU +MEM +DISK +GPU +TEMP +TASKS +NOTE$/);
    expect(lines[3]).toMatch(/^spark +leader +ready +active +5% +31\/119 GB +1.2\/3.6 TB +GB10 4% +41°C +2$/);
    expect(lines[4]).toMatch(
      /^agx-01 +manager +ready +active +\d+% +2.1\/31 GB +40\/55 GB +Xavier 0% +37°C +1$/,
    );
    expect(lines[6]).toMatch(/^agx-10 +worker +down +active +- +- +- +- +- +1 +ssh unreachable$/);
    expect(text).toContain('degraded: agx-10: swarm state down, SSH unreachable (connect timed out)');
    expect(text).toContain('degraded: service inference: 3/4 replicas running');
  });

  it('colours the marked row and the header on a TTY, and cuts lines to the width', () => {
    const text = renderStatus(fixture(), { color: true, width: 40 });
    const lines = text.split('\n');
    const ESC = '\x1b';
    expect(lines[6]!.startsWith(`${ESC}[31magx-10 `)).toBe(true);
    expect(lines[2]!.startsWith(`${ESC}[1mNODE`)).toBe(true);
    const plain = (l: string) => l.replace(new RegExp(`${ESC}\\[\\d+m`, 'g'), '');
    for (const l of lines) expect(plain(l).length).toBeLessThanOrEqual(40);
  });

  it('no quorum: said in words, in red', () => {
    const r = { ...fixture(), quorum: quorumHealth(3, 1) };
    const first = renderStatus(r, { color: true }).split('\n')[0]!;
    expect(first).toContain('\x1b[31mmanagers 1/3 (leader spark, no quorum: 2 needed)\x1b[0m');
  });

  it('usagePair picks the unit from the total', () => {
    expect(usagePair(2.2 * 1024 ** 3, 31 * 1024 ** 3)).toBe('2.2/31 GB');
    expect(usagePair(512 * 1024 ** 2, 900 * 1024 ** 2)).toBe('512/900 MB');
    expect(usagePair(1.2 * 1024 ** 4, 3.6 * 1024 ** 4)).toBe('1.2/3.6 TB');
  });
});
