/**
 * `fleet status` and `fleet ps` on 4 lab hosts formed with the built CLI (`fleet up`: 3 managers, 1
 * worker) running a real service of the lab's local busybox image: healthy (exit 0, every row ready,
 * the JSON valid against schema/status.schema.json), a service that cannot be placed (exit 10), the
 * worker leaving the swarm (exit 10, one row reading `left`; `fleet up` re-joins it), then
 * the worker's dockerd stopped and a manager's link cut (exit 10, both rows marked, the cut host still
 * shows its swarm state, the swarm read through another manager). `fleet ps` lists the task containers
 * with the node they run on.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../lab/index.js';
import { fleet, lastReport, workDir } from './up-helpers.js';

const NAMES = ['spark', 'agx-01', 'agx-02', 'agx-03'];
const IMAGE = 'fleet-lab/busybox:latest';
let lab: Lab;
let cwd: string;
let leader = '';

const ajv = new Ajv2020({ allErrors: true, strict: false });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const validate = ajv.compile(
  JSON.parse(readFileSync(join(process.cwd(), 'schema', 'status.schema.json'), 'utf8')),
);

interface StatusDoc {
  cluster: { via: string; leader: string | null; nodesReady: number; nodesTotal: number };
  quorum: { managers: number; reachable: number; canLose: number };
  services: { name: string; running: number; desired: number | null }[];
  nodes: {
    name: string;
    role: string | null;
    state: string;
    ssh: string;
    dockerError?: string;
    tasks: number;
    metrics: { cpuPct: number | null; memTotalBytes: number | null } | null;
  }[];
  verdict: { healthy: boolean; problems: string[] };
}

async function waitFor(what: string, check: () => Promise<boolean>, ms = 90_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function replicas(service: string): Promise<string> {
  const r = await lab.exec(leader, `docker service ls --filter name=${service} --format '{{.Replicas}}'`);
  return r.stdout.trim();
}

beforeAll(async () => {
  lab = await startLab({ id: 'status', subnet: 27, hosts: NAMES.map((name) => ({ name })) });
  cwd = workDir('status');
  lab.writeInventory(join(cwd, 'nodes.yml'));
  const up = await fleet(lab, cwd, ['up']);
  if (up.code !== 0) throw new Error(`fleet up failed (${up.code}): ${up.stderr}`);
  const report = lastReport(cwd);
  leader = report.topology.find((n) => n.leader)!.hostname;
  await Promise.all(NAMES.map((name) => lab.importImage(name, IMAGE)));
  // --no-resolve-image: the lab has no registry; every engine has the image locally.
  await lab.exec(
    leader,
    `docker service create --detach --name web --replicas 4 --no-resolve-image ${IMAGE} sleep 86400`,
  );
  await waitFor('web 4/4', async () => (await replicas('web')) === '4/4');
}, 300_000);

afterAll(async () => {
  await lab?.down();
});

describe('fleet status on a healthy cluster', () => {
  it('exits 0 with every node ready, the quorum in words and the service 4/4', async () => {
    const run = await fleet(lab, cwd, ['status']);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(
      /^Cluster {2}swarm \w{12} {3}4\/4 nodes ready {3}managers 3\/3 \(leader \S+, can lose 1\)$/,
    );
    expect(lines[1]).toMatch(/^Services 1 running, 0 degraded {3}Storage /);
    expect(lines[2]).toMatch(/^NODE +ROLE +STATE +AVAIL +CPU +MEM +DISK +GPU +TEMP +TASKS$/);
    for (const name of NAMES)
      expect(run.stdout).toMatch(new RegExp(`^${name} +(leader|manager|worker) +ready +active +\\d+% `, 'm'));
    expect(run.stdout).not.toMatch(/degraded:/);
  });

  it('--json: one document valid against its schema, metrics from every host, tasks per node', async () => {
    const run = await fleet(lab, cwd, ['status', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout) as StatusDoc;
    expect(validate(doc), ajv.errorsText(validate.errors)).toBe(true);
    expect(doc.verdict).toEqual({ healthy: true, problems: [], warnings: [] });
    expect(doc.quorum).toMatchObject({ managers: 3, reachable: 3, canLose: 1 });
    // Read through the leader when it answers.
    expect(doc.cluster.via).toBe(doc.cluster.leader);
    expect(doc.services).toEqual([expect.objectContaining({ name: 'web', running: 4, desired: 4 })]);
    expect(doc.nodes.map((n) => n.name).sort()).toEqual([...NAMES].sort());
    expect(doc.nodes.filter((n) => n.role === 'worker')).toHaveLength(1);
    expect(doc.nodes.reduce((a, n) => a + n.tasks, 0)).toBe(4);
    for (const n of doc.nodes) {
      expect(n.metrics?.memTotalBytes, n.name).toBeGreaterThan(0);
      expect(n.metrics?.cpuPct, n.name).not.toBeNull();
    }
    // The report is the same document.
    expect(lastReport(cwd, 'status')).toMatchObject({ verdict: { healthy: true } });
  });
});

describe('fleet ps', () => {
  it('lists the running task containers with their node, CPU and memory', async () => {
    const run = await fleet(lab, cwd, ['ps', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout) as {
      containers: {
        node: string;
        name: string;
        service: string | null;
        memUsedBytes: number | null;
        cpuPct: number | null;
      }[];
    };
    const web = doc.containers.filter((c) => c.service === 'web');
    expect(web).toHaveLength(4);
    // Each container on the node whose engine actually runs it.
    for (const c of web) {
      const names = (await lab.exec(c.node, "docker ps --format '{{.Names}}'")).stdout;
      expect(names, `${c.name} on ${c.node}`).toContain(c.name);
      expect(c.memUsedBytes).toBeGreaterThan(0);
      expect(c.cpuPct).not.toBeNull();
    }
    const table = await fleet(lab, cwd, ['ps']);
    expect(table.stdout).toMatch(/^NODE +NAME +IMAGE +STATE +UPTIME +CPU +MEM$/m);
    expect(table.stdout).toMatch(
      new RegExp(`^\\S+ +web\\.1\\.\\w+ +${IMAGE.replace('/', '\\/')} +running `, 'm'),
    );
  });
});

describe('fleet status on a degraded cluster', () => {
  it('a service that cannot be placed: exit 10, named with its replicas', async () => {
    await lab.exec(
      leader,
      `docker service create --detach --name stuck --replicas 2 --no-resolve-image --constraint node.labels.nowhere==1 ${IMAGE} sleep 60`,
    );
    try {
      const run = await fleet(lab, cwd, ['status']);
      expect(run.code).toBe(10);
      expect(run.stdout).toMatch(/^Services 1 running, 1 degraded \(stuck 0\/2\)/m);
      expect(run.stdout).toContain('degraded: service stuck: 0/2 replicas running');
    } finally {
      await lab.exec(leader, 'docker service rm stuck');
    }
  });

  it('a worker that left the swarm (docker swarm leave): exit 10, its one row reads left', async () => {
    const doc0 = JSON.parse((await fleet(lab, cwd, ['status', '--json'])).stdout) as StatusDoc;
    const worker = doc0.nodes.find((n) => n.role === 'worker')!.name;
    await lab.exec(worker, 'docker swarm leave');

    const run = await fleet(lab, cwd, ['status', '--json']);
    expect(run.code, run.stderr).toBe(10);
    const doc = JSON.parse(run.stdout) as StatusDoc;
    expect(validate(doc), ajv.errorsText(validate.errors)).toBe(true);
    // One row for the host: the swarm's entry joined with what the host itself says.
    const rows = doc.nodes.filter((n) => n.name === worker);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ role: 'worker', state: 'left', ssh: 'ok' });
    expect(rows[0]!.metrics?.memTotalBytes).toBeGreaterThan(0);
    expect(doc.verdict.problems).toContain(
      `${worker}: left the swarm (its engine is in no swarm; fleet up re-joins it)`,
    );
    const human = await fleet(lab, cwd, ['status']);
    expect(human.code).toBe(10);
    expect(human.stdout).toMatch(new RegExp(`^${worker} +worker +left +\\S+ .* left the swarm$`, 'm'));

    // fleet up re-joins it (and removes the entry it left behind) for the next test.
    const up = await fleet(lab, cwd, ['up']);
    expect(up.code, up.stderr).toBe(0);
    await waitFor(`${worker} ready again, one row`, async () => {
      const after = JSON.parse((await fleet(lab, cwd, ['status', '--json'])).stdout) as StatusDoc;
      const again = after.nodes.filter((n) => n.name === worker);
      return again.length === 1 && again[0]?.role === 'worker' && again[0].state === 'ready';
    });
  }, 240_000);

  it("a worker's dockerd stopped and a manager's link cut: exit 10, both rows marked, read through another manager", async () => {
    const doc0 = JSON.parse((await fleet(lab, cwd, ['status', '--json'])).stdout) as StatusDoc;
    const worker = doc0.nodes.find((n) => n.role === 'worker')!.name;
    const cut = doc0.nodes.find((n) => n.role === 'manager')!.name;
    await lab.stopDocker(worker);
    await lab.cutLink(cut);

    const run = await fleet(lab, cwd, ['status', '--json']);
    expect(run.code, run.stderr).toBe(10);
    const doc = JSON.parse(run.stdout) as StatusDoc;
    expect(validate(doc), ajv.errorsText(validate.errors)).toBe(true);
    expect(doc.cluster.via).not.toBe(cut);
    const cutRow = doc.nodes.find((n) => n.name === cut)!;
    expect(cutRow.ssh).toBe('unreachable');
    // Still shows what the swarm says about it (ready until the heartbeat times out, then down).
    expect(['ready', 'down', 'unknown']).toContain(cutRow.state);
    expect(cutRow.role).toMatch(/manager|leader/);
    expect(cutRow.metrics).toBeNull();
    const workerRow = doc.nodes.find((n) => n.name === worker)!;
    expect(workerRow.ssh).toBe('ok');
    expect(workerRow.dockerError).toBeTruthy();
    expect(doc.verdict.healthy).toBe(false);
    expect(doc.verdict.problems.some((p) => p.startsWith(`${cut}: `) && p.includes('SSH unreachable'))).toBe(
      true,
    );
    expect(
      doc.verdict.problems.some((p) => p.startsWith(`${worker}: `) && p.includes('Docker not answering')),
    ).toBe(true);

    const human = await fleet(lab, cwd, ['status']);
    expect(human.code).toBe(10);
    expect(human.stdout).toMatch(
      new RegExp(`^${cut} +\\S+ +\\S+ +\\S+ +- +- +- +- +- +\\d+ +ssh unreachable$`, 'm'),
    );
    expect(human.stdout).toMatch(new RegExp(`^${worker} .*docker not answering$`, 'm'));
  });
});
