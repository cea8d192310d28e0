/**
 * A join that outlasts Docker's own 20 s wait (lab upj, 2 hosts). Docker then answers HTTP 503
 * "Timeout was reached before node joined" while the join goes on in the background; on a loaded
 * manager (a Jetson, 50 nodes joining at once: seen in bench:up at 50 hosts) it completes a little
 * later. Here the manager's dockerd is frozen (SIGSTOP) for 28 s as the workers phase starts: fleet must
 * wait for the join it started instead of leaving the swarm and calling the worker failed.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { join } from 'node:path';
import { startLab, type Lab } from '../lab/index.js';
import { fleetWithFault, lastReport, nodeList, workDir } from './up-helpers.js';

let lab: Lab;
let cwd: string;

beforeAll(async () => {
  lab = await startLab({
    id: 'upj',
    subnet: 48,
    hosts: [{ name: 'spark', role: 'manager' as const }, { name: 'agx-01' }],
  });
  cwd = workDir('upj');
  lab.writeInventory(join(cwd, 'nodes.yml'));
});

afterAll(async () => {
  await lab?.exec('spark', 'pkill -CONT -x dockerd');
  await lab?.down();
});

it('a worker join the manager answers only after Docker gave up waiting still ends joined, exit 0', async () => {
  let thawed: Promise<unknown> | undefined;
  const run = await fleetWithFault(lab, cwd, ['up', '--yes'], '[phase] workers', async () => {
    await lab.exec('spark', 'pkill -STOP -x dockerd');
    thawed = new Promise((resolve) => setTimeout(resolve, 28_000)).then(() =>
      lab.exec('spark', 'pkill -CONT -x dockerd'),
    );
  });
  await thawed;
  expect(run.faulted).toBe(true);
  expect(run.stderr).toMatch(
    /agx-01.*still running after Docker's 20 s|still running after Docker's 20 s.*agx-01/,
  );
  expect(run.code, run.stderr).toBe(0);
  const report = lastReport(cwd) as { hosts: { id: string; status: string }[] };
  expect(report.hosts.find((h) => h.id === 'agx-01')?.status).toBe('ok');
  const nodes = await nodeList(lab, 'spark');
  expect(nodes.find((n) => n.host === 'agx-01')).toMatchObject({ status: 'Ready', role: 'worker' });
});
