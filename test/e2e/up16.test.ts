/**
 * `fleet up` on 16 lab hosts (lab up16): spark pinned as manager, 5 managers by size, all Ready.
 * Worker joins start once three managers are in (the swarm can then lose one and keep quorum),
 * alongside the last two manager joins; a manager join that fails stops new worker joins, those in
 * flight finish, and the next `up` completes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startLab, type Lab } from '../lab/index.js';
import { fleet, fleetWithFault, lastReport, nodeList, schemaErrors, workDir } from './up-helpers.js';

const AGX = Array.from({ length: 15 }, (_, i) => `agx-${String(i + 1).padStart(2, '0')}`);
const NAMES = ['spark', ...AGX];
let lab: Lab;
let cwd: string;
/** The manager whose engine the second case stops. */
let broken = '';

type Report = ReturnType<typeof lastReport> & {
  hosts: { id: string; status: string; failure: string | null; failure_phase: string | null }[];
  not_started: number;
};

/** Line numbers of the plain view's `[change] HOST: join the swarm as ROLE` lines, and their hosts. */
function joinLines(stderr: string, role: 'manager' | 'worker'): { line: number; host: string }[] {
  const re = new RegExp(`^\\[change\\] (\\S+): join the swarm as ${role}$`);
  return stderr.split('\n').flatMap((l, line) => {
    const m = re.exec(l);
    return m ? [{ line, host: m[1]! }] : [];
  });
}

/** Managers in join order, from the plan (spark first: pinned). */
async function managersPlanned(): Promise<string[]> {
  const plan = await fleet(lab, cwd, ['plan']);
  const line = /roles: \d+ managers \(([^)]*)\)/.exec(plan.stderr + plan.stdout);
  expect(line, plan.stderr).not.toBeNull();
  return line![1]!.split(', ');
}

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

    // Worker joins start after the second manager join (spark + 2: one may be lost), before the last.
    const managers = joinLines(run.stderr, 'manager');
    const workers = joinLines(run.stderr, 'worker');
    expect(managers).toHaveLength(4);
    expect(workers).toHaveLength(11);
    const lines = run.stderr.split('\n');
    const early = lines.findIndex((l) => /^11 workers join alongside the remaining manager joins/.test(l));
    expect(early, run.stderr).toBeGreaterThan(managers[1]!.line);
    expect(early).toBeLessThan(managers[3]!.line);
    expect(workers[0]!.line).toBeGreaterThan(early);
    expect(workers[0]!.line).toBeLessThan(managers[3]!.line);
  });

  // down, plan and the faulty up on 16 hosts: beyond the default 120 s on a loaded 2-core machine.
  it(
    'a manager join that fails: no new worker join starts, those in flight finish (exit 6)',
    { timeout: 360_000 },
    async () => {
      const down = await fleet(lab, cwd, ['down', '--yes']);
      expect(down.code, down.stderr).toBe(0);
      const managers = await managersPlanned();
      expect(managers).toHaveLength(5);
      // Its join comes third, after the worker joins started (spark + 2 managers in).
      broken = managers[3]!;
      // One worker at a time, so the failure lands while most have not started.
      const run = await fleetWithFault(lab, cwd, ['up', '--concurrency', '1'], '[phase] managers', () =>
        lab.stopDocker(broken),
      );
      expect(run.faulted).toBe(true);
      expect(run.code, run.stderr).toBe(6);
      const r = lastReport(cwd) as Report;
      expect(schemaErrors(r)).toBe('');
      const status = (id: string) => r.hosts.find((h) => h.id === id)!;
      expect(status(broken)).toMatchObject({
        status: 'failed',
        failure: 'docker',
        failure_phase: 'managers',
      });
      expect(status(managers[4]!).status).toBe('not-started');

      const lines = run.stderr.split('\n');
      const failedAt = lines.findIndex((l) => l.startsWith(`${broken}: failed (docker)`));
      expect(failedAt, run.stderr).toBeGreaterThan(0);
      const started = joinLines(run.stderr, 'worker');
      // Joins started before the failure, none after it; every join that started finished.
      expect(started.length).toBeGreaterThanOrEqual(1);
      for (const w of started) {
        expect(w.line, `${w.host} started joining after ${broken} failed`).toBeLessThan(failedAt);
        expect(status(w.host).status).toBe('ok');
      }
      const workers = NAMES.filter((n) => !managers.includes(n));
      const notStarted = workers.filter((w) => !started.some((s) => s.host === w));
      for (const w of notStarted) expect(status(w).status).toBe('not-started');
      expect(r.not_started).toBe(notStarted.length + 1);
      // The summary line counts the same hosts.
      const ok = NAMES.length - notStarted.length - 2;
      expect(run.stderr).toContain(
        `${NAMES.length} hosts: ${ok} ok, ${notStarted.length + 1} not started, 1 failed: 1 Docker failed`,
      );
    },
  );

  it('once the engine is back, up completes', { timeout: 240_000 }, async () => {
    await lab.startDocker(broken);
    const run = await fleet(lab, cwd, ['up']);
    expect(run.code, run.stderr).toBe(0);
    expect(lastReport(cwd).topology).toHaveLength(NAMES.length);
  });
});
