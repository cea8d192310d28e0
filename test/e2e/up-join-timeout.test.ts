/**
 * A join that outlasts Docker's own 20 s wait (lab upj, 2 hosts). Docker then answers HTTP 503
 * "Timeout was reached before node joined" while the join goes on in the background; on a loaded
 * manager (a Jetson, 50 nodes joining at once: seen in bench:up at 50 hosts) it completes a little
 * later. fleet must watch the join it started (swarm/join.ts, up to JOIN_BACKGROUND_MS) instead of
 * leaving the swarm and calling the worker failed.
 *
 * The join is held deterministically: once preflight is done (it probes the swarm ports), the
 * worker's packets to port 2377 are dropped, so its join can reach no manager, whenever it starts.
 * They flow again only when fleet says Docker gave up waiting, so the 503 has always been answered
 * first; the node's background retries then get through.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { join } from 'node:path';
import { startLab, type Lab } from '../lab/index.js';
import { fleetWithFaults, lastReport, nodeList, workDir } from './up-helpers.js';

const WORKER = 'agx-01';
const BACKGROUND_JOIN = "still running after Docker's 20 s";
let lab: Lab;
let cwd: string;

beforeAll(async () => {
  lab = await startLab({
    id: 'upj',
    subnet: 48,
    hosts: [{ name: 'spark', role: 'manager' as const }, { name: WORKER }],
  });
  cwd = workDir('upj');
  lab.writeInventory(join(cwd, 'nodes.yml'));
});

afterAll(async () => {
  await lab?.unblockPort(WORKER, 2377);
  await lab?.down();
});

it('a worker join Docker stops waiting for (503) is watched until it completes: joined, exit 0', async () => {
  const run = await fleetWithFaults(
    lab,
    cwd,
    ['up', '--yes'],
    [
      { marker: '[phase] preflight: ok', action: () => lab.blockPort(WORKER, 2377) },
      { marker: BACKGROUND_JOIN, action: () => lab.unblockPort(WORKER, 2377) },
    ],
  );
  // Both steps fired: the worker's join was held and Docker answered the 503 fleet recognises.
  expect(run.fired, run.stderr).toBe(2);
  expect(run.stderr).toMatch(new RegExp(`${WORKER}.*${BACKGROUND_JOIN}|${BACKGROUND_JOIN}.*${WORKER}`));
  expect(run.stderr).not.toMatch(/leaving the swarm to join again/);
  expect(run.code, run.stderr).toBe(0);
  const report = lastReport(cwd);
  expect(report.hosts.find((h) => h.id === WORKER)?.status).toBe('ok');
  const nodes = await nodeList(lab, 'spark');
  expect(nodes.find((n) => n.host === WORKER)).toMatchObject({ status: 'Ready', role: 'worker' });
});
