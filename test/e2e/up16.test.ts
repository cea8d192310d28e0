/** `fleet up` on 16 lab hosts (lab up16): spark pinned as manager, 5 managers by size, all Ready. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startLab, type Lab } from '../lab/index.js';
import { fleet, lastReport, nodeList, schemaErrors, workDir } from './up-helpers.js';

const AGX = Array.from({ length: 15 }, (_, i) => `agx-${String(i + 1).padStart(2, '0')}`);
let lab: Lab;
let cwd: string;

beforeAll(async () => {
  lab = await startLab({
    id: 'up16',
    subnet: 7,
    hosts: [{ name: 'spark', role: 'manager' }, ...AGX.map((name) => ({ name }))],
  });
  cwd = workDir('up16');
  lab.writeInventory(join(cwd, 'nodes.yml'));
}, 300_000);

afterAll(async () => {
  await lab?.down();
});

describe('fleet up on 16 hosts', () => {
  it('forms a 5-manager swarm with the pinned spark as a manager', async () => {
    const run = await fleet(lab, cwd, ['up']);
    expect(run.code, run.stderr).toBe(0);
    const report = lastReport(cwd);
    expect(schemaErrors(report)).toBe('');
    expect(report.quorum).toEqual({ reachable: 5, managers: 5, needed: 3 });
    expect(report.hosts.find((h) => h.id === 'spark')!.role).toBe('manager');
    const nodes = await nodeList(lab, 'spark');
    expect(nodes).toHaveLength(16);
    expect(nodes.every((n) => n.status === 'Ready')).toBe(true);
    expect(nodes.filter((n) => n.role === 'manager')).toHaveLength(5);
  });
});
