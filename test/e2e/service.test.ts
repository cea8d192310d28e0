/**
 * `fleet service` on 3 lab hosts (a swarm formed by the built CLI's `fleet up`, each engine with the
 * lab's local busybox image): create → scale 3 → 10 → 2 → rm with the containers counted on the
 * engines themselves; a service no node can take fails with the scheduler's reason (exit 11); logs
 * of a service printing on several nodes, each line prefixed service.slot@node, stdout and stderr
 * apart; env values never in reports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { startLab, type Lab } from '../lab/index.js';
import { execa } from 'execa';
import { pollUntil } from '../../src/core/poll.js';
import { schemaValidator } from '../helpers/schema.js';
import { BIN, fleet, workDir, writtenFiles } from './up-helpers.js';

const validateService = schemaValidator('service-report.schema.json');
const validateStack = schemaValidator('stack-report.schema.json');

const NAMES = ['spark', 'agx-01', 'agx-02'];
const IMAGE = 'fleet-lab/busybox:latest';
const SECRET = 'sekr1t-value-4242';
let lab: Lab;
let cwd: string;
// The compose files live outside cwd (whose files the last test scans for secrets), and are named
// relative to cwd: the files they name are found from their own folder, as docker does.
let deployDir: string;
let deployRel: string;

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

/** The command's last report, checked against schema/service-report.schema.json on every read. */
function report(
  name: string,
): Record<string, unknown> & { converged: boolean | null; running: number; desired: number } {
  const doc = JSON.parse(readFileSync(join(cwd, 'reports', `last-service-${name}.json`), 'utf8'));
  expect(validateService(doc)).toEqual([]);
  return doc;
}

/** A command run on one host of the lab, its stdout trimmed (fails the test when it fails). */
async function sh(host: string, cmd: string): Promise<string> {
  const r = await lab.exec(host, cmd);
  expect(r.code, `${host}: ${cmd}: ${r.stderr}`).toBe(0);
  return r.stdout.trim();
}

/** The one running container of a service: its host and id. */
async function containerOf(service: string): Promise<{ host: string; id: string }> {
  for (const host of NAMES) {
    const id = (
      await lab.exec(host, `docker ps -q --filter label=com.docker.swarm.service.name=${service}`)
    ).stdout.trim();
    if (id) return { host, id: id.split('\n')[0]! };
  }
  throw new Error(`no container of ${service} on any host`);
}

beforeAll(async () => {
  lab = await startLab({ id: 'svc', subnet: 28, hosts: NAMES.map((name) => ({ name })) });
  cwd = workDir('svc');
  lab.writeInventory(join(cwd, 'nodes.yml'));
  deployDir = workDir('svc-deploy');
  deployRel = relative(cwd, deployDir);
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
    expect(validateService(ps)).toEqual([]);
    const ls2 = JSON.parse((await fleet(lab, cwd, ['service', 'ls', '--json'])).stdout) as {
      success_rate: number;
      devices: { status: string }[];
    };
    expect(validateService(ls2)).toEqual([]);
    expect(ls2).toMatchObject({ success_rate: 100, devices: [{ status: 'success' }] });
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

  it('logs -f ends on Ctrl-C with exit 130, leaving no process behind on the hosts', async () => {
    const sshd = async (): Promise<string> => {
      const counts: string[] = [];
      for (const host of NAMES) counts.push(await sh(host, 'ps -eo comm= | grep -c "^sshd" || true'));
      return counts.join(',');
    };
    const before = await sshd();
    const child = execa('node', [BIN, 'service', 'logs', 'web', '-f', '--tail', '1'], {
      cwd,
      env: { ...process.env, HOME: lab.home, NO_COLOR: '1' },
      reject: false,
      // Below the test's own 120 s, so a run that never ends fails with what it printed (a
      // vitest timeout shows nothing of it).
      timeout: 90_000,
    });
    let out = '';
    let sentAt = 0;
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      // Following: lines keep arriving after the tail; interrupt once a fresh one shows.
      if (!sentAt && out.split('\n').filter(Boolean).length > 3) {
        sentAt = Date.now();
        child.kill('SIGINT');
      }
    });
    const res = await child;
    const printed = `stdout:\n${out}\nstderr:\n${String(res.stderr)}`;
    expect(sentAt, `no followed lines arrived; ${printed}`).toBeGreaterThan(0);
    expect(res.timedOut, `fleet did not end after Ctrl-C; ${printed}`).toBe(false);
    expect(res.exitCode, String(res.stderr)).toBe(130);
    expect(String(res.stderr)).toMatch(/interrupted: closing the log stream/);
    // The manager's sshd session for this run ends with it; no docker dial-stdio is left either.
    await pollUntil(
      'the hosts to be back to their sshd processes',
      async () => ((await sshd()) === before ? true : undefined),
      {
        timeoutMs: 30_000,
        signal: new AbortController().signal,
      },
    );
    for (const host of NAMES) {
      expect(await sh(host, 'ps -eo args= | grep -c "[d]ial-stdio" || true')).toBe('0');
    }
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

  it('stack deploy refuses a compose file naming a missing file (nothing deployed)', async () => {
    writeFileSync(
      join(deployDir, 'bad.yml'),
      `services:\n  a:\n    image: ${IMAGE}\n    env_file: ./missing.env\nsecrets:\n  s:\n    file: ./nope.txt\n`,
    );
    const bad = await fleet(lab, cwd, ['stack', 'deploy', '-c', `${deployRel}/bad.yml`, 'app']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      `${deployRel}/bad.yml refers to files fleet cannot read: services.a.env_file: ./missing.env (no such file); secrets.s.file: ./nope.txt (no such file)`,
    );
    expect(await sh('spark', 'docker service ls -q --filter label=com.docker.stack.namespace=app')).toBe('');
  });

  it('stack deploy sends env_file, config and secret files along (paths from the compose folder), ls, ps, rm with networks/configs/secrets', async () => {
    const run = `    image: ${IMAGE}\n    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]\n`;
    const compose =
      `version: "3.8"\nservices:\n  a:\n${run}    env_file: ./app.env\n    environment:\n      - OVERRIDE=svc\n` +
      `    configs:\n      - source: site\n        target: /site.conf\n    secrets:\n      - db\n` +
      `  b:\n${run}    deploy:\n      replicas: 2\n` +
      `configs:\n  site:\n    file: ./site.conf\nsecrets:\n  db:\n    file: ./db.txt\n`;
    writeFileSync(join(deployDir, 'stack.yml'), compose);
    writeFileSync(join(deployDir, 'app.env'), `# app\nFROM_FILE=${SECRET}\nOVERRIDE=file\nPRICE=a$b\n`);
    writeFileSync(join(deployDir, 'site.conf'), 'listen 8080\n');
    writeFileSync(join(deployDir, 'db.txt'), 'db-password-77\n');

    const deployed = await fleet(lab, cwd, [
      'stack',
      'deploy',
      '-c',
      `${deployRel}/stack.yml`,
      'app',
      '--json',
    ]);
    expect(deployed.code, deployed.stderr).toBe(0);
    const out = JSON.parse(deployed.stdout) as {
      services: { name: string; running: number; converged: boolean }[];
      files: { inlined: string[]; copied: string[] };
      success_rate: number;
    };
    expect(validateStack(out)).toEqual([]);
    expect(out.services.map((x) => [x.name, x.running, x.converged]).sort()).toEqual([
      ['app_a', 1, true],
      ['app_b', 2, true],
    ]);
    expect(out.files).toEqual({ inlined: ['./app.env'], copied: ['./site.conf', './db.txt'] });
    expect(out.success_rate).toBe(100);
    // docker's precedence: environment: over env_file; the value kept as written ($ not interpolated).
    const env = JSON.parse(
      await sh(
        'spark',
        "docker service inspect app_a --format '{{json .Spec.TaskTemplate.ContainerSpec.Env}}'",
      ),
    ) as string[];
    expect(env.sort()).toEqual([`FROM_FILE=${SECRET}`, 'OVERRIDE=svc', 'PRICE=a$b']);
    const a = await containerOf('app_a');
    expect(await sh(a.host, `docker exec ${a.id} cat /site.conf`)).toBe('listen 8080');
    expect(await sh(a.host, `docker exec ${a.id} cat /run/secrets/db`)).toBe('db-password-77');
    // The copies on the manager are gone.
    for (const host of NAMES)
      expect(await sh(host, 'ls -d /tmp/fleet-stack-* 2>/dev/null | wc -l')).toBe('0');

    const ls = await fleet(lab, cwd, ['stack', 'ls']);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toMatch(/^NAME\s+SERVICES\n(.*\n)*app\s+2$/m);
    const ps = await fleet(lab, cwd, ['stack', 'ps', 'app']);
    expect(ps.code, ps.stderr).toBe(0);
    expect(ps.stdout.match(/app_[ab]\.\d+\s+\S+\s+running/g)).toHaveLength(3);

    const label = 'label=com.docker.stack.namespace=app';
    expect(await sh('spark', `docker network ls -q --filter ${label} | wc -l`)).toBe('1');
    const rm = await fleet(lab, cwd, ['stack', 'rm', 'app', '--json']);
    expect(rm.code, rm.stderr).toBe(0);
    const removed = JSON.parse(rm.stdout) as { removed: Record<string, string[]> };
    expect(validateStack(removed)).toEqual([]);
    expect(removed.removed).toEqual({
      services: expect.arrayContaining(['app_a', 'app_b']) as unknown as string[],
      secrets: ['app_db'],
      configs: ['app_site'],
      networks: ['app_default'],
    });
    for (const kind of ['service', 'config', 'secret']) {
      expect(await sh('spark', `docker ${kind} ls -q --filter ${label}`), kind).toBe('');
    }
    // The manager's local copy of the network goes once its last container has stopped.
    await pollUntil(
      'app_default to leave the manager',
      async () => ((await sh('spark', `docker network ls -q --filter ${label}`)) === '' ? true : undefined),
      { timeoutMs: 60_000, signal: new AbortController().signal },
    );
    const none = await fleet(lab, cwd, ['stack', 'ls', '--json']);
    expect((JSON.parse(none.stdout) as { stacks: unknown[] }).stacks).toEqual([]);
  }, 240_000);

  it('overlay data plane: a task on one node reaches a task of another service on another node', async () => {
    const serve = await fleet(lab, cwd, [
      'service',
      'create',
      'pong',
      '--image',
      IMAGE,
      '--constraint',
      'node.hostname==agx-02',
      '--',
      'sh',
      '-c',
      'echo pong-over-overlay > /tmp/index.html; exec httpd -f -p 8080 -h /tmp',
    ]);
    expect(serve.code, serve.stderr).toBe(0);
    const client = await fleet(lab, cwd, [
      'service',
      'create',
      'ping',
      '--image',
      IMAGE,
      '--constraint',
      'node.hostname==agx-01',
      '--',
      'sh',
      '-c',
      "trap 'exit 0' TERM; while true; do sleep 1; done",
    ]);
    expect(client.code, client.stderr).toBe(0);
    const p = await containerOf('pong');
    const c = await containerOf('ping');
    expect([p.host, c.host]).toEqual(['agx-02', 'agx-01']);
    const ip = await sh(
      p.host,
      `docker inspect ${p.id} --format '{{(index .NetworkSettings.Networks "fleet-network").IPAddress}}'`,
    );
    expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    // From the ping task's own network namespace, over the overlay: the hosts themselves have no
    // route to the overlay's addresses, so the answer can only come through VXLAN between the two.
    expect(await sh(c.host, `ip route get ${ip} 2>&1 || true`)).toMatch(/unreachable/i);
    const request = `printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | nc -w 10 ${ip} 8080`;
    const got = await lab.exec(c.host, `docker exec ${c.id} sh -c "${request}"`);
    expect(got.stdout, got.stderr).toMatch(/^HTTP\/1\.[01] 200 OK\r?\n[\s\S]*\r?\n\r?\npong-over-overlay\n$/);
    for (const name of ['pong', 'ping'])
      expect((await fleet(lab, cwd, ['service', 'rm', name])).code).toBe(0);
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
