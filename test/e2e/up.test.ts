/**
 * `fleet up` on 6 lab hosts (no pins: 3 managers, 3 workers): forms a verified swarm, a second run
 * changes nothing and says so, `plan` then has nothing to do, the join tokens appear nowhere (output,
 * reports, role_assignments.json, the hosts' process lists during the run), and `down` dissolves it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLab, type Lab } from '../lab/index.js';
import {
  fleet,
  joinTokens,
  lastReport,
  nodeList,
  sampleProcesses,
  schemaErrors,
  swarmState,
  workDir,
  writtenFiles,
  type CliRun,
} from './up-helpers.js';

const NAMES = ['spark', 'agx-01', 'agx-02', 'agx-03', 'agx-04', 'agx-05'];
let lab: Lab;
let cwd: string;
const runs: CliRun[] = [];
let processSamples: string[] = [];
let manager = '';

beforeAll(async () => {
  lab = await startLab({ id: 'up6', subnet: 6, hosts: NAMES.map((name) => ({ name })) });
  cwd = workDir('up6');
  lab.writeInventory(join(cwd, 'nodes.yml'));
});

afterAll(async () => {
  await lab?.down();
});

describe('fleet up on 6 hosts', () => {
  it('forms a swarm with 3 managers and 3 workers', async () => {
    const sampler = sampleProcesses(lab, NAMES);
    const run = await fleet(lab, cwd, ['up']);
    processSamples = await sampler.stop();
    runs.push(run);
    expect(run.code, run.stderr).toBe(0);
    const report = lastReport(cwd);
    expect(schemaErrors(report)).toBe('');
    expect(report.hosts.filter((h) => h.role === 'manager')).toHaveLength(3);
    expect(report.quorum).toEqual({ reachable: 3, managers: 3, needed: 2 });
    expect(report.topology.filter((n) => n.leader)).toHaveLength(1);
    manager = report.hosts.find((h) => h.role === 'manager')!.id;

    const nodes = await nodeList(lab, manager);
    expect(nodes.map((n) => n.host).sort()).toEqual([...NAMES].sort());
    expect(nodes.every((n) => n.status === 'Ready')).toBe(true);
    expect(nodes.filter((n) => n.role === 'manager')).toHaveLength(3);
    expect(run.stdout).toMatch(/quorum 3\/3 \(needs 2\)/);
    const roles = JSON.parse(readFileSync(join(cwd, 'role_assignments.json'), 'utf8'));
    expect(roles.managers).toBe(3);
    const labels = (await lab.exec(manager, "docker node inspect agx-01 --format '{{json .Spec.Labels}}'"))
      .stdout;
    expect(JSON.parse(labels)).toMatchObject({ arch: 'amd64', device_type: 'jetson-agx-xavier' });
    const net = (
      await lab.exec(manager, "docker network inspect fleet-network --format '{{.Driver}} {{.Attachable}}'")
    ).stdout;
    expect(net.trim()).toBe('overlay true');
  });

  it('changes nothing on a second run and says so', async () => {
    const run = await fleet(lab, cwd, ['up']);
    runs.push(run);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('nothing to change');
    const report = lastReport(cwd);
    expect(report.changes).toEqual([]);
    expect(report.hosts.every((h) => h.status === 'unchanged')).toBe(true);
  });

  it('plan against the converged swarm has nothing to do', async () => {
    const run = await fleet(lab, cwd, ['plan']);
    runs.push(run);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('plan: nothing to change');
  });

  it('never exposes the join tokens: output, files, process lists', async () => {
    const tokens = await joinTokens(lab, manager);
    expect(tokens).toHaveLength(2);
    const haystacks = [...runs.flatMap((r) => [r.stdout, r.stderr]), writtenFiles(cwd)];
    expect(processSamples.length).toBeGreaterThan(NAMES.length);
    for (const token of tokens) {
      for (const text of haystacks) expect(text.includes(token)).toBe(false);
      for (const ps of processSamples) expect(ps.includes(token)).toBe(false);
      // Not even a fragment: the secret part of a token.
      const secret = token.split('-').pop()!;
      for (const text of haystacks) expect(text.includes(secret)).toBe(false);
    }
  });

  it('down leaves the swarm everywhere, leader last', async () => {
    const run = await fleet(lab, cwd, ['down', '--yes']);
    expect(run.code, run.stderr).toBe(0);
    const report = lastReport(cwd, 'down');
    expect(schemaErrors(report)).toBe('');
    const last = report.changes[report.changes.length - 1]!;
    expect(last.description).toMatch(/last manager/);
    for (const h of NAMES) expect(await swarmState(lab, h)).toBe('inactive');
  });
});
