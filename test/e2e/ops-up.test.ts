/**
 * The up operation run without a terminal (lab opsup, 3 hosts): runSwarm called directly with a
 * scripted asker. One manager cannot reach the leader's 2377, so its join fails; the asker answers
 * the fewer-managers question yes, and the typed result says what happened.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLab, type Lab } from '../lab/index.js';
import { resolveSwarmNetwork } from '../../src/core/config.js';
import { runSwarm, type SwarmInput } from '../../src/ops/swarm/run.js';
import { labSsh, labTarget, testRuntime } from '../helpers/runtime.js';

const NAMES = ['spark', 'agx-01', 'agx-02'];
const BLOCK = 'iptables -I OUTPUT -p tcp --dport 2377 ! -o lo -j REJECT';
let lab: Lab;

beforeAll(async () => {
  lab = await startLab({
    id: 'opsup',
    subnet: 41,
    hosts: NAMES.map((name) => (name === 'spark' ? { name, role: 'manager' as const } : { name })),
  });
});

afterAll(async () => {
  await lab?.down();
});

describe('runSwarm (the up operation) called directly', () => {
  it('asks the fewer-managers question through rt.ask and returns the typed result', async () => {
    // agx-02 cannot reach any manager's swarm port: its manager join fails after init on spark.
    expect((await lab.exec('agx-02', BLOCK)).code).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'fleet-opsup-'));
    const rt = testRuntime({ ssh: labSsh(lab), answers: { 'fewer-managers': true }, reportsDir: dir });
    const { ask } = rt;
    const input: SwarmInput = {
      command: 'up',
      hosts: NAMES.map((n) => labTarget(lab, n)),
      dryRun: false,
      options: {
        clusterName: 'fleet',
        concurrency: 4,
        force: false,
        yes: false,
        network: { ...resolveSwarmNetwork(undefined), driver: 'overlay' },
        managers: 3,
        allowEvenManagers: false,
        roleAssignmentsFile: join(dir, 'role_assignments.json'),
        retries: 1,
        retryDelayMs: 500,
        settleTimeoutMs: 60_000,
      },
    };
    try {
      const { result, error, reportPath } = await runSwarm(input, rt);
      expect(error?.message).toBeUndefined();
      expect(reportPath?.startsWith(dir)).toBe(true);
      expect(ask.asked).toHaveLength(1);
      expect(ask.asked[0]!.id).toBe('fewer-managers');
      expect(ask.asked[0]!.question).toMatch(
        /^agx-02 failed to join as manager: .*\ncontinue with fewer managers\? \[y\/N\] $/,
      );
      const { report } = result;
      expect(report.failed).toBe(1);
      expect(report.hosts.filter((h) => h.status === 'failed').map((h) => h.id)).toEqual(['agx-02']);
      expect(report.quorum).toMatchObject({ reachable: 2, managers: 2, needed: 2 });
      // The summary's inputs: the two members, each mapped to its host.
      expect(result.topology.map((n) => result.hostIds.get(n.id)).sort()).toEqual(['agx-01', 'spark']);
      expect(rt.events.some((e) => e.type === 'run:done' && e.exitCode === 4)).toBe(true);
    } finally {
      await rt.close();
      await lab.exec('agx-02', BLOCK.replace('-I', '-D'));
    }
  });
});
