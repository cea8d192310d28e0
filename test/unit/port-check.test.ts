import { describe, expect, it } from 'vitest';
import {
  parseProbeLine,
  planPortProbes,
  summarizePorts,
  type PortProbe,
  type ProbeResult,
} from '../../src/core/port-check.js';

const hosts = [
  { id: 'spark', address: '10.0.0.1' },
  { id: 'agx-01', address: '10.0.0.2' },
  { id: 'agx-02', address: '10.0.0.3' },
];

describe('swarm port check', () => {
  it('2377/tcp only towards managers, gossip and VXLAN between every pair', () => {
    const probes = planPortProbes(hosts, ['spark']);
    const to2377 = probes.filter((p) => p.port === 2377).map((p) => `${p.from}>${p.to}`);
    expect(to2377).toEqual(['agx-01>spark', 'agx-02>spark']);
    expect(probes.filter((p) => p.port === 4789 && p.proto === 'udp')).toHaveLength(6);
    expect(probes.filter((p) => p.port === 7946)).toHaveLength(12);
  });

  it('every host counts as a manager when none is known; `only` keeps pairs touching those hosts', () => {
    expect(planPortProbes(hosts, []).filter((p) => p.port === 2377)).toHaveLength(6);
    const only = planPortProbes(hosts, ['spark'], new Set(['agx-02']));
    expect(only.every((p) => p.from === 'agx-02' || p.to === 'agx-02')).toBe(true);
  });

  it('UDP is ok only when answered; a busy port or no perl is "udp not verified", never ok', () => {
    const probes = planPortProbes(hosts.slice(0, 2), ['spark']);
    const results = new Map<PortProbe, ProbeResult | undefined>();
    for (const p of probes) results.set(p, p.proto === 'udp' ? 'noanswer' : 'ok');
    const busy = new Map([['spark', new Set(['7946/udp', '4789/udp'])]]);
    const r = summarizePorts(probes, results, busy, new Set());
    expect(r.not_verified).toEqual([
      'spark 7946/udp: udp not verified (port in use there (Docker))',
      'spark 4789/udp: udp not verified (port in use there (Docker))',
    ]);
    expect(r.blocked).toEqual([
      'spark → agx-01 7946/udp: no answer to 3 datagrams (dropped by a firewall?)',
      'spark → agx-01 4789/udp: no answer to 3 datagrams (dropped by a firewall?)',
    ]);
    expect(r.ok).toBe(3);
  });

  it('names who cannot reach whom on a blocked TCP port', () => {
    const probes = planPortProbes(hosts.slice(0, 2), ['spark']);
    const results = new Map<PortProbe, ProbeResult | undefined>(probes.map((p) => [p, 'ok']));
    results.set(
      probes.find((p) => p.port === 2377)!,
      'timeout',
    );
    const r = summarizePorts(probes, results, new Map(), new Set(['agx-01']));
    expect(r.problems).toEqual([
      'agx-01 → spark 2377/tcp: no answer to the TCP connect (dropped by a firewall?)',
    ]);
  });

  it('parses the probe script lines', () => {
    expect(parseProbeLine('10.0.0.1 4789 udp noanswer')).toEqual({
      address: '10.0.0.1',
      port: 4789,
      proto: 'udp',
      result: 'noanswer',
    });
    expect(parseProbeLine('garbage')).toBeUndefined();
  });
});
