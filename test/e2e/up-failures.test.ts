/**
 * Failures during `fleet up` (lab upf): a worker whose dockerd is stopped gives a partial result
 * (exit 4, the host listed with its reason, everyone else joined); after the engine is back, `up`
 * completes and only that host changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startLab, type Lab } from '../lab/index.js';
import { fleet, lastReport, schemaErrors, swarmState, workDir } from './up-helpers.js';

const NAMES = ['spark', 'agx-01', 'agx-02', 'agx-03', 'agx-04', 'agx-05'];
let lab: Lab;
let cwd: string;

beforeAll(async () => {
  lab = await startLab({
    id: 'upf',
    subnet: 8,
    hosts: NAMES.map((name) => (name === 'spark' ? { name, role: 'manager' as const } : { name })),
  });
  cwd = workDir('upf');
  lab.writeInventory(join(cwd, 'nodes.yml'));
});

afterAll(async () => {
  await lab?.down();
});

describe('fleet up with a stopped engine', () => {
  it('reports a partial result with exit 4 and a clear reason', async () => {
    await lab.stopDocker('agx-05');
    const run = await fleet(lab, cwd, ['up']);
    expect(run.code, run.stderr).toBe(4);
    const report = lastReport(cwd);
    expect(schemaErrors(report)).toBe('');
    const failed = report.hosts.filter((h) => h.status === 'failed');
    expect(failed.map((h) => h.id)).toEqual(['agx-05']);
    expect(failed[0]!.failure_phase).toBe('preflight');
    expect(failed[0]!.error).toMatch(/Docker engine not reachable/);
    expect(run.stdout).toMatch(/not done:\n\s+agx-05: .*Docker engine not reachable/);
    expect(report.failed).toBe(1);
    for (const h of NAMES.filter((n) => n !== 'agx-05')) expect(await swarmState(lab, h)).toBe('active');
  });

  it('completes once the engine is back, touching only that host', async () => {
    await lab.startDocker('agx-05');
    const run = await fleet(lab, cwd, ['up']);
    expect(run.code, run.stderr).toBe(0);
    const report = lastReport(cwd);
    expect(report.changes.map((c) => c.host)).toEqual(expect.arrayContaining(['agx-05']));
    expect(report.changes.filter((c) => /join/.test(c.description)).map((c) => c.host)).toEqual(['agx-05']);
    expect(report.topology).toHaveLength(6);
    expect(report.topology.every((n) => n.state === 'ready')).toBe(true);
    expect(await swarmState(lab, 'agx-05')).toBe('active');
  });
});
