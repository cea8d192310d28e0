/**
 * `fleet up` on 6 lab hosts (no pins: 3 managers, 3 workers): forms a verified swarm, a second run
 * changes nothing and says so, `plan` then has nothing to do, the join tokens appear nowhere (output,
 * reports, role_assignments.json, the hosts' process lists during the run), a worker pinned as manager
 * is promoted before a manager is demoted, `down` dissolves the swarm, and Ctrl-C during the workers
 * phase exits 130 with a report after which the next `up` completes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLab, type Lab } from '../lab/index.js';
import {
  fleet,
  fleetInterrupted,
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

  it('plan against the converged swarm has nothing to do, and writes no role_assignments.json', async () => {
    const roles = join(cwd, 'role_assignments.json');
    renameSync(roles, `${roles}.up`);
    try {
      const run = await fleet(lab, cwd, ['plan']);
      runs.push(run);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain('plan: nothing to change');
      expect(existsSync(roles)).toBe(false);
    } finally {
      renameSync(`${roles}.up`, roles);
    }
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

  it('a worker pinned as manager in nodes.yml is promoted before a manager is demoted', async () => {
    const before = lastReport(cwd);
    const worker = before.hosts.find((h) => h.role === 'worker')!.id;
    const file = join(cwd, 'nodes.yml');
    const yml = readFileSync(file, 'utf8').replace(
      new RegExp(`(\\{ id: ${worker},[^}]*?)\\s*\\}`),
      '$1, role: manager }',
    );
    expect(yml).toContain(`id: ${worker},`);
    expect(yml).toMatch(new RegExp(`id: ${worker},.*role: manager`));
    writeFileSync(file, yml);

    const run = await fleet(lab, cwd, ['up']);
    runs.push(run);
    expect(run.code, run.stderr).toBe(0);
    const report = lastReport(cwd);
    expect(schemaErrors(report)).toBe('');
    const sentences = report.changes.map((c) => `${c.host}: ${c.description}`);
    const promote = sentences.indexOf(`${worker}: promote to manager`);
    const demote = sentences.findIndex((s) => /: demote .* to worker/.test(s));
    expect(promote, sentences.join('\n')).toBeGreaterThanOrEqual(0);
    // Added before removed: 3 -> 4 -> 3 managers, quorum held throughout.
    expect(demote, sentences.join('\n')).toBeGreaterThan(promote);
    expect(report.changes.filter((c) => /promote|demote/.test(c.description))).toHaveLength(2);
    expect(report.quorum).toEqual({ reachable: 3, managers: 3, needed: 2 });
    expect(report.hosts.find((h) => h.id === worker)!.role).toBe('manager');
    // Ask the leader: a manager promoted a moment ago may still answer "being prepared".
    manager = report.topology.find((n) => n.leader)!.hostname;
    const nodes = await nodeList(lab, manager);
    expect(nodes.filter((n) => n.role === 'manager').map((n) => n.host)).toContain(worker);
    expect(nodes.filter((n) => n.role === 'manager')).toHaveLength(3);
    expect(nodes.every((n) => n.status === 'Ready')).toBe(true);
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

  it('Ctrl-C during the workers phase exits 130 with a report; the next up completes', async () => {
    const run = await fleetInterrupted(lab, cwd, ['up', '--concurrency', '1'], '[phase] workers');
    expect(run.interruptedAt).toBe(true);
    expect(run.code, run.stderr).toBe(130);
    expect(run.stderr).toMatch(/interrupted/);
    const report = lastReport(cwd);
    expect(schemaErrors(report)).toBe('');
    expect(report.was_interrupted).toBe(true);
    // --concurrency 1: the workers after the one in flight never started.
    expect(report.interrupted).toBeGreaterThanOrEqual(1);
    expect(report.changes.some((c) => /overlay network/.test(c.description))).toBe(false);

    const next = await fleet(lab, cwd, ['up']);
    expect(next.code, next.stderr).toBe(0);
    const done = lastReport(cwd);
    expect(done.quorum).toEqual({ reachable: 3, managers: 3, needed: 2 });
    expect(done.topology).toHaveLength(NAMES.length);
    expect(done.topology.every((n) => n.state === 'ready')).toBe(true);
    // Whatever the interrupted run finished is not done twice.
    const joinedBefore = report.changes.filter((c) => /^join/.test(c.description)).map((c) => c.host);
    const joinedNow = done.changes.filter((c) => /^join/.test(c.description)).map((c) => c.host);
    for (const h of joinedNow) expect(joinedBefore).not.toContain(h);
    expect(joinedNow.length).toBeGreaterThanOrEqual(1);
    expect(done.changes.some((c) => /overlay network fleet-network/.test(c.description))).toBe(true);
    for (const h of NAMES) expect(await swarmState(lab, h)).toBe('active');
  });

  it('a partial down: the selected hosts leave, their entries go, the rest keeps quorum', async () => {
    const before = lastReport(cwd);
    const leader = before.topology.find((n) => n.leader)!.hostname;
    const manager = before.hosts.find((h) => h.role === 'manager' && h.id !== leader)!.id;
    const worker = before.hosts.find((h) => h.role === 'worker')!.id;
    const run = await fleet(lab, cwd, ['down', '-n', `${worker},${manager}`, '--yes']);
    expect(run.code, run.stderr).toBe(0);
    const report = lastReport(cwd, 'down');
    expect(schemaErrors(report)).toBe('');
    const sentences = report.changes.map((c) => `${c.host}: ${c.description}`);
    expect(sentences.indexOf(`${manager}: demote ${manager} to worker: fleet down`)).toBeGreaterThan(
      sentences.indexOf(`${worker}: leave the swarm: fleet down`),
    );
    expect(sentences.filter((s) => /remove node/.test(s))).toHaveLength(2);
    expect(await swarmState(lab, worker)).toBe('inactive');
    expect(await swarmState(lab, manager)).toBe('inactive');
    const nodes = await nodeList(lab, leader);
    expect(nodes.map((n) => n.host).sort()).toEqual(
      NAMES.filter((n) => n !== worker && n !== manager).sort(),
    );
    expect(nodes.filter((n) => n.role === 'manager')).toHaveLength(2);
    expect(nodes.every((n) => n.status === 'Ready')).toBe(true);
  });
});
