/**
 * `fleet node` on 5 lab hosts (swarm formed by the built CLI's `fleet up`: 3 managers, 2 workers):
 * demote refused when it would break quorum (exit 5, the math in the message) and allowed with
 * margin; drain moves tasks off a node (checked on its engine), names a service that cannot move,
 * and activate lets tasks come back; rm refuses a node with a service's only replica, then removes a
 * live worker, which has left the swarm itself; labels fleet up manages are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLab, type Lab } from '../lab/index.js';
import { schemaValidator } from '../helpers/schema.js';
import { fleet, lastReport, nodeList, swarmState, workDir } from './up-helpers.js';

const validateReport = schemaValidator('node-report.schema.json');

const NAMES = ['spark', 'agx-01', 'agx-02', 'agx-03', 'agx-04'];
const IMAGE = 'fleet-lab/busybox:latest';
// Ends at once on SIGTERM (a bare sleep as pid 1 ignores it and waits out the 10 s stop grace).
const IDLE = ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'];
let lab: Lab;
let cwd: string;
let managers: string[] = [];
let workers: string[] = [];

async function containers(host: string, service: string): Promise<number> {
  const r = await lab.exec(
    host,
    `docker ps -q --filter label=com.docker.swarm.service.name=${service} | wc -l`,
  );
  return Number(r.stdout.trim());
}

async function managerCount(): Promise<number> {
  return (await nodeList(lab, managers[0]!)).filter((n) => n.role === 'manager').length;
}

/** The command's last report, checked against schema/node-report.schema.json on every read. */
function nodeReport(command: string): {
  nodes: { id: string; ok: boolean }[];
  unscheduled: string[];
  forced: string[];
  devices: { id: string; ip: string; status: string }[];
  success_rate: number;
} {
  const doc = JSON.parse(readFileSync(join(cwd, 'reports', `last-node-${command}.json`), 'utf8'));
  expect(validateReport(doc)).toEqual([]);
  return doc;
}

beforeAll(async () => {
  lab = await startLab({ id: 'node', subnet: 29, hosts: NAMES.map((name) => ({ name })) });
  cwd = workDir('node');
  lab.writeInventory(join(cwd, 'nodes.yml'));
  await Promise.all(NAMES.map((h) => lab.importImage(h)));
  const up = await fleet(lab, cwd, ['up']);
  expect(up.code, up.stderr).toBe(0);
  const report = lastReport(cwd);
  managers = report.hosts.filter((h) => h.role === 'manager').map((h) => h.id);
  workers = report.hosts.filter((h) => h.role === 'worker').map((h) => h.id);
}, 240_000);

afterAll(async () => {
  await lab?.down();
});

describe('fleet node', () => {
  it('lists the nodes with their roles', async () => {
    expect(managers).toHaveLength(3);
    const run = await fleet(lab, cwd, ['node', 'ls', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const ls = JSON.parse(run.stdout) as {
      nodes: { id: string; role: string; state: string; leader: boolean }[];
      success_rate: number;
    };
    expect(validateReport(ls)).toEqual([]);
    expect(ls.success_rate).toBe(100);
    expect(ls.nodes.map((n) => n.id).sort()).toEqual([...NAMES].sort());
    expect(ls.nodes.filter((n) => n.role === 'manager')).toHaveLength(3);
    expect(ls.nodes.filter((n) => n.leader)).toHaveLength(1);
    const table = await fleet(lab, cwd, ['node', 'ls']);
    expect(table.stdout).toMatch(/^NODE\s+ID\s+ADDRESS\s+ROLE\s+STATE\s+AVAILABILITY/m);
  });

  it(
    'refuses demoting one of 3 managers (exit 5, quorum math), allows 5 → 3',
    { timeout: 240_000 },
    async () => {
      const refused = await fleet(lab, cwd, ['node', 'demote', managers[2]!]);
      expect(refused.code, refused.stderr).toBe(5);
      expect(refused.stderr).toMatch(/3 → 2 managers \(2 managers: quorum 2, tolerates 0 failures\)/);
      expect(await managerCount()).toBe(3);
      // The compat fields name the refused host as not done.
      const report = nodeReport('demote');
      expect(report.devices.map((d) => [d.id, d.status])).toEqual([[managers[2], 'failed']]);
      expect(report.success_rate).toBe(0);

      const promote = await fleet(lab, cwd, ['node', 'promote', ...workers]);
      expect(promote.code, promote.stderr).toBe(0);
      expect(await managerCount()).toBe(5);
      const demote = await fleet(lab, cwd, ['node', 'demote', ...workers]);
      expect(demote.code, demote.stderr).toBe(0);
      expect(await managerCount()).toBe(3);
      const roles = await nodeList(lab, managers[0]!);
      for (const w of workers) expect(roles.find((n) => n.host === w)?.role).toBe('worker');
    },
  );

  it('drain moves the tasks off a node, activate lets them come back', { timeout: 300_000 }, async () => {
    const [w1] = workers as [string];
    const create = await fleet(lab, cwd, [
      'service',
      'create',
      'web',
      '--image',
      IMAGE,
      '--replicas',
      '5',
      '--',
      ...IDLE,
    ]);
    expect(create.code, create.stderr).toBe(0);
    expect(await containers(w1, 'web')).toBeGreaterThan(0);

    const drain = await fleet(lab, cwd, ['node', 'drain', w1]);
    expect(drain.code, drain.stderr).toBe(0);
    expect(drain.stderr).toMatch(new RegExp(`${w1}: 0 tasks left`));
    expect(await containers(w1, 'web')).toBe(0);
    expect(nodeReport('drain').unscheduled).toEqual([]);
    expect(nodeReport('drain')).toMatchObject({
      success_rate: 100,
      devices: [{ id: w1, status: 'success' }],
    });

    const activate = await fleet(lab, cwd, ['node', 'activate', w1]);
    expect(activate.code, activate.stderr).toBe(0);
    // The scheduler does not move running tasks by itself: a rolling restart spreads them again.
    const spread = await fleet(lab, cwd, [
      'service',
      'update',
      'web',
      '--force',
      '--update-parallelism',
      '0',
    ]);
    expect(spread.code, spread.stderr).toBe(0);
    expect(await containers(w1, 'web')).toBeGreaterThan(0);
  });

  it('drain names a service whose tasks can go nowhere else', { timeout: 240_000 }, async () => {
    const [, w2] = workers as [string, string];
    const pin = await fleet(lab, cwd, [
      'service',
      'create',
      'pinned',
      '--image',
      IMAGE,
      '--constraint',
      `node.hostname==${w2}`,
      '--',
      ...IDLE,
    ]);
    expect(pin.code, pin.stderr).toBe(0);
    const drain = await fleet(lab, cwd, ['node', 'drain', w2]);
    expect(drain.code, drain.stderr).toBe(0);
    expect(nodeReport('drain').unscheduled.join('\n')).toMatch(/^pinned: 1 task: no suitable node/);
    expect(drain.stderr).toMatch(/could not be rescheduled: pinned: 1 task: no suitable node/);
    const activate = await fleet(lab, cwd, ['node', 'activate', w2]);
    expect(activate.code, activate.stderr).toBe(0);
  });

  it('adds a label, refuses one fleet up manages', async () => {
    const [w1] = workers as [string];
    const add = await fleet(lab, cwd, ['node', 'label', w1, '--add', 'zone=lab']);
    expect(add.code, add.stderr).toBe(0);
    const labels = JSON.parse(
      (await lab.exec(managers[0]!, `docker node inspect ${w1} --format '{{json .Spec.Labels}}'`)).stdout,
    );
    expect(labels.zone).toBe('lab');
    // What fleet up set (from facts and nodes.yml) is still there.
    expect(labels['fleet.managed-labels']).toContain('device_type');
    expect(labels.device_type).toBeTruthy();
    const refused = await fleet(lab, cwd, ['node', 'label', w1, '--rm', 'device_type']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/label device_type is managed by fleet up/);
  });

  it(
    'rm refuses a node with the only replica of a service, then removes a live worker that leaves',
    { timeout: 240_000 },
    async () => {
      const [, w2] = workers as [string, string];
      const pinnedRunning = await fleet(lab, cwd, ['service', 'ps', 'pinned', '--json']);
      expect(pinnedRunning.code, pinnedRunning.stderr).toBe(0);
      const refused = await fleet(lab, cwd, ['node', 'rm', w2]);
      expect(refused.code, refused.stderr).toBe(5);
      expect(refused.stderr).toMatch(new RegExp(`service pinned runs only on ${w2}`));
      expect(await swarmState(lab, w2)).toBe('active');

      expect((await fleet(lab, cwd, ['service', 'rm', 'pinned'])).code).toBe(0);
      const rm = await fleet(lab, cwd, ['node', 'rm', w2]);
      expect(rm.code, rm.stderr).toBe(0);
      expect(await swarmState(lab, w2)).toBe('inactive');
      const left = await nodeList(lab, managers[0]!);
      expect(left.map((n) => n.host)).not.toContain(w2);
      expect(nodeReport('rm').nodes).toMatchObject([{ id: w2, ok: true }]);
    },
  );

  it('names every host it tried when none is a manager', async () => {
    const [w1] = workers as [string];
    const run = await fleet(lab, cwd, ['service', 'ls', '-n', w1]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`no swarm manager answered: ${w1} (a worker)`);
  });
});
