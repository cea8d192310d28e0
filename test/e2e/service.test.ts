/**
 * `fleet service` on 3 lab hosts (a swarm formed by the built CLI's `fleet up`, each engine with the
 * lab's local busybox image): create → scale 3 → 10 → 2 → rm with the containers counted on the
 * engines themselves; a service no node can take fails with the scheduler's reason (exit 11); logs
 * of a service printing on several nodes, each line prefixed service.slot@node, stdout and stderr
 * apart; env values never in reports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLab, type Lab } from '../lab/index.js';
import { fleet, workDir, writtenFiles } from './up-helpers.js';

const NAMES = ['spark', 'agx-01', 'agx-02'];
const IMAGE = 'fleet-lab/busybox:latest';
const SECRET = 'sekr1t-value-4242';
let lab: Lab;
let cwd: string;

/** Running containers of a service, per host, asked of each engine directly. */
async function containersOn(service: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const host of NAMES) {
    const r = await lab.exec(
      host,
      `docker ps -q --filter label=com.docker.swarm.service.name=${service} | wc -l`,
    );
    out[host] = Number(r.stdout.trim());
  }
  return out;
}
const total = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);

/** Containers stop a moment after their task is marked shut down: ask the engines until they agree. */
async function settledCount(service: string, want: number): Promise<Record<string, number>> {
  let counts = await containersOn(service);
  for (let i = 0; i < 40 && total(counts) !== want; i++) {
    await new Promise((r) => setTimeout(r, 500));
    counts = await containersOn(service);
  }
  return counts;
}

function report(
  name: string,
): Record<string, unknown> & { converged: boolean | null; running: number; desired: number } {
  return JSON.parse(readFileSync(join(cwd, 'reports', `last-service-${name}.json`), 'utf8'));
}

beforeAll(async () => {
  lab = await startLab({ id: 'svc', subnet: 28, hosts: NAMES.map((name) => ({ name })) });
  cwd = workDir('svc');
  lab.writeInventory(join(cwd, 'nodes.yml'));
  await Promise.all(NAMES.map((h) => lab.importImage(h)));
  const up = await fleet(lab, cwd, ['up']);
  expect(up.code, up.stderr).toBe(0);
}, 240_000);

afterAll(async () => {
  await lab?.down();
});

describe('fleet service', () => {
  it('creates a service and waits until its 3 tasks run, on the engines', async () => {
    const script =
      'trap "exit 0" TERM; while true; do echo out-$(hostname); echo err-$(hostname) >&2; sleep 1; done';
    const run = await fleet(lab, cwd, [
      'service',
      'create',
      'web',
      '--image',
      IMAGE,
      '--replicas',
      '3',
      '--env',
      `TOKEN=${SECRET}`,
      '--',
      'sh',
      '-c',
      script,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/web: 3\/3 running/);
    const r = report('create');
    expect(r).toMatchObject({ converged: true, running: 3, desired: 3 });
    expect(total(await containersOn('web'))).toBe(3);
    // The service spec on the engine carries the overlay fleet up made.
    const nets = await lab.exec(
      'spark',
      "docker service inspect web --format '{{range .Spec.TaskTemplate.Networks}}{{.Target}}{{end}}'",
    );
    const overlay = (
      await lab.exec('spark', "docker network inspect fleet-network --format '{{.Id}}'")
    ).stdout.trim();
    expect(nets.stdout.trim()).toBe(overlay);
  });

  it('lists it (ls, ps) as tables and as JSON', async () => {
    const ls = await fleet(lab, cwd, ['service', 'ls']);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toMatch(/^ID\s+NAME\s+MODE\s+REPLICAS\s+IMAGE/m);
    expect(ls.stdout).toMatch(/\sweb\s+replicated\s+3\/3\s+fleet-lab\/busybox:latest/);
    const json = await fleet(lab, cwd, ['service', 'ps', 'web', '--json']);
    const ps = JSON.parse(json.stdout) as {
      services: { tasks: { name: string; node: string; state: string }[] }[];
    };
    const tasks = ps.services[0]!.tasks;
    expect(tasks.map((t) => t.name).sort()).toEqual(['web.1', 'web.2', 'web.3']);
    expect(tasks.every((t) => t.state === 'running' && NAMES.includes(t.node))).toBe(true);
  });

  it('streams logs from several nodes, prefixed service.slot@node, stdout and stderr apart', async () => {
    const run = await fleet(lab, cwd, ['service', 'logs', 'web', '--tail', '3']);
    expect(run.code, run.stderr).toBe(0);
    const out = run.stdout.split('\n').filter(Boolean);
    expect(out.length).toBeGreaterThanOrEqual(3);
    for (const line of out) expect(line).toMatch(/^web\.[1-3]@(spark|agx-0[12]): out-/);
    const nodes = new Set(out.map((l) => /@([^:]+):/.exec(l)![1]));
    expect(nodes.size).toBeGreaterThanOrEqual(2);
    const err = run.stderr.split('\n').filter((l) => /^web\.\d@/.test(l));
    expect(err.length).toBeGreaterThanOrEqual(3);
    for (const line of err) expect(line).toMatch(/: err-/);
  });

  it('scales 3 → 10 → 2, checked on the engines', async () => {
    const up = await fleet(lab, cwd, ['service', 'scale', 'web=10']);
    expect(up.code, up.stderr).toBe(0);
    expect(report('scale')).toMatchObject({ converged: true, running: 10, desired: 10 });
    const ten = await containersOn('web');
    expect(total(ten)).toBe(10);
    expect(Object.values(ten).filter((n) => n > 0).length).toBe(3);
    const down = await fleet(lab, cwd, ['service', 'scale', 'web=2']);
    expect(down.code, down.stderr).toBe(0);
    expect(report('scale')).toMatchObject({ converged: true, running: 2, desired: 2 });
    expect(total(await settledCount('web', 2))).toBe(2);
  });

  it('fails with the scheduler reason when no node matches the constraint', async () => {
    const run = await fleet(lab, cwd, [
      'service',
      'create',
      'nowhere',
      '--image',
      IMAGE,
      '--constraint',
      'node.labels.nope==1',
      '--stuck-timeout',
      '3',
      '--',
      'sleep',
      '600',
    ]);
    expect(run.code, run.stderr).toBe(11);
    expect(run.stderr).toMatch(/service nowhere did not converge: 1 task: no suitable node/);
    expect(report('create')).toMatchObject({ converged: false });
    const rm = await fleet(lab, cwd, ['service', 'rm', 'nowhere']);
    expect(rm.code, rm.stderr).toBe(0);
  });

  it('names an unknown service with exit 2', async () => {
    const run = await fleet(lab, cwd, ['service', 'scale', 'ghost=2']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no service "ghost" in the swarm/);
  });

  it('stack deploy refuses a compose file with an env_file (nothing deployed), deploys one without', async () => {
    const svc = `    image: ${IMAGE}\n    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]\n`;
    const good = `version: "3.8"\nservices:\n  a:\n${svc}  b:\n${svc}    deploy:\n      replicas: 2\n`;
    writeFileSync(join(cwd, 'good.yml'), good);
    writeFileSync(join(cwd, 'bad.yml'), good.replace('  a:\n', '  a:\n    env_file: ./a.env\n'));
    const bad = await fleet(lab, cwd, ['stack', 'deploy', '-c', 'bad.yml', 'app']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      'bad.yml refers to local files the manager cannot read: services.a.env_file: ./a.env',
    );
    expect(
      (
        await lab.exec('spark', 'docker service ls -q --filter label=com.docker.stack.namespace=app')
      ).stdout.trim(),
    ).toBe('');

    const run = await fleet(lab, cwd, ['stack', 'deploy', '-c', 'good.yml', 'app', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as {
      services: { name: string; running: number; converged: boolean }[];
    };
    expect(out.services.map((s) => [s.name, s.running, s.converged]).sort()).toEqual([
      ['app_a', 1, true],
      ['app_b', 2, true],
    ]);
    const ps = await fleet(lab, cwd, ['stack', 'ps', 'app']);
    expect(ps.code, ps.stderr).toBe(0);
    expect(ps.stdout.match(/app_[ab]\.\d+\s+\S+\s+running/g)).toHaveLength(3);
    const rm = await fleet(lab, cwd, ['stack', 'rm', 'app']);
    expect(rm.code, rm.stderr).toBe(0);
    expect(rm.stdout).toMatch(/removed app_a, app_b|removed app_b, app_a/);
    expect(
      (
        await lab.exec('spark', 'docker service ls -q --filter label=com.docker.stack.namespace=app')
      ).stdout.trim(),
    ).toBe('');
  }, 240_000);

  it('removes the service: no container left on any engine', async () => {
    const run = await fleet(lab, cwd, ['service', 'rm', 'web']);
    expect(run.code, run.stderr).toBe(0);
    expect(total(await settledCount('web', 0))).toBe(0);
    const ls = await lab.exec('spark', 'docker service ls -q | wc -l');
    expect(ls.stdout.trim()).toBe('0');
  });

  it('never writes an env value into a report', () => {
    expect(writtenFiles(cwd)).not.toContain(SECRET);
  });
});
