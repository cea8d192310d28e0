/**
 * A swarm left without a leader for good by a manager join cut short (fault seed 15): the leader had
 * committed the joining node as a Raft member, then the joining engine dropped its half-made state.
 * Made deterministically here (lab ghst/45: agx-01 and agx-02 pinned managers + agx-03): a 2-manager
 * swarm, then agx-02's engine stopped, its /var/lib/docker/swarm wiped and started again, so agx-01
 * is the only live manager of a swarm whose other Raft member is a ghost. First, while agx-02's
 * engine is merely stopped (it may come back as that manager), `fleet up` must refuse (exit 5,
 * naming agx-02) and change nothing; once agx-02's engine says it is in no swarm, `fleet plan`
 * shows the recovery step with its reason, and `fleet up` recovers (init --force-new-cluster on
 * agx-01), re-joins agx-02 and converges, with the service created before still there. Last, why
 * fleet's own SSH channel is not what makes the ghost: a manager join whose API request is closed
 * before its answer still completes in the engine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startLab, type Lab } from '../lab/index.js';
import { pollUntil } from '../../src/core/poll.js';
import { fleet, nodeList, swarmState, workDir } from './up-helpers.js';
import { convergenceProblems } from './up-converged.js';

const NAMES = ['agx-01', 'agx-02', 'agx-03'];
let lab: Lab;
let cwd: string;

/** `docker node ls` on agx-01: its error text, or '' when it has a leader. */
async function nodeLsError(): Promise<string> {
  const r = await lab.exec('agx-01', 'docker node ls >/dev/null 2>/tmp/ls.err; cat /tmp/ls.err', {
    timeoutMs: 20_000,
  });
  return r.stdout.trim();
}

async function services(): Promise<string> {
  return (await lab.exec('agx-01', "docker service ls --format '{{.Name}}'")).stdout.trim();
}

beforeAll(async () => {
  lab = await startLab({
    id: 'ghst',
    subnet: 45,
    hosts: [{ name: 'agx-01', role: 'manager' }, { name: 'agx-02', role: 'manager' }, { name: 'agx-03' }],
  });
  cwd = workDir('ghst');
  lab.writeInventory(join(cwd, 'nodes.yml'));
  // Two managers: the smallest swarm a lost member leaves without quorum.
  const up = await fleet(lab, cwd, ['up', '--managers', '2', '--allow-even-managers']);
  if (up.code !== 0) throw new Error(`fleet up failed: ${up.stderr}`);
  await lab.importImage('agx-01');
  const svc = await lab.exec('agx-01', 'docker service create -d --name keep fleet-lab/busybox sleep 86400');
  if (svc.code !== 0) throw new Error(`docker service create: ${svc.stderr}`);
}, 300_000);

afterAll(async () => {
  await lab?.down();
});

describe('a leaderless swarm whose other manager is a ghost', () => {
  it('starts as two reachable managers and a worker, with a service', async () => {
    const list = await nodeList(lab, 'agx-01');
    expect(
      list
        .filter((n) => n.role === 'manager')
        .map((n) => n.host)
        .sort(),
    ).toEqual(['agx-01', 'agx-02']);
    expect(await services()).toBe('keep');
  });

  it('refuses (exit 5, naming agx-02) while agx-02 is a stopped manager that may come back', async () => {
    await lab.stopDocker('agx-02');
    await pollUntil(
      'agx-01 to lose its leader',
      async () => (/leader/.test(await nodeLsError()) ? true : undefined),
      { timeoutMs: 60_000, signal: new AbortController().signal, attemptMs: 30_000 },
    );
    const run = await fleet(lab, cwd, ['up', '--settle-timeout', '2']);
    expect(run.code, run.stderr).toBe(5);
    expect(run.stderr).toMatch(
      /not recovered automatically: agx-02 \(manager \w+ of this swarm\) its Docker engine does not answer/,
    );
    expect(run.stderr).toMatch(/bring agx-02's engine back online/);
    expect(run.stderr).not.toMatch(/force-new-cluster\)/);
    // Nothing changed: agx-01 is still a manager of the same leaderless swarm.
    expect(await nodeLsError()).toMatch(/leader/);
  });

  it('fleet plan shows the recovery once agx-02 is a ghost (its engine is in no swarm)', async () => {
    await lab.exec('agx-02', 'rm -rf /var/lib/docker/swarm');
    await lab.startDocker('agx-02');
    expect(await swarmState(lab, 'agx-02')).toBe('inactive');
    expect(await nodeLsError()).toMatch(/leader/);
    const plan = await fleet(lab, cwd, ['plan']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stderr).toMatch(
      /\[would change\] agx-01: recover the swarm \(init --force-new-cluster, dropping agx-02 from Raft\): agx-01 is the only live manager of a swarm with no leader .*agx-02 \(member \w+\) is in no swarm/,
    );
    // A plan changes nothing.
    expect(await nodeLsError()).toMatch(/leader/);
    expect(await swarmState(lab, 'agx-02')).toBe('inactive');
  });

  it('fleet up recovers it, re-joins agx-02 and converges, keeping the service', async () => {
    const run = await fleet(lab, cwd, ['up', '--managers', '2', '--allow-even-managers']);
    expect(run.stderr).toMatch(
      /\[change\] agx-01: recover the swarm \(init --force-new-cluster, dropping agx-02 from Raft\)/,
    );
    expect(run.stderr).toMatch(/\[change\] agx-02: join the swarm as manager/);
    expect(await convergenceProblems(lab, NAMES, 2, cwd, run)).toEqual([]);
    expect(await nodeLsError()).toBe('');
    expect(await services()).toBe('keep');
    // A converged cluster: the next run changes nothing.
    const again = await fleet(lab, cwd, ['plan', '--managers', '2', '--allow-even-managers']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toMatch(/would change/);
  });

  it('a manager join whose API request is cancelled mid-way still completes in the engine', async () => {
    // What a cut of fleet's SSH channel does to the join: the HTTP request to the engine is closed
    // before its answer. moby's POST /swarm/join handler does not pass the request context to
    // Cluster.Join, so the join goes on; a ghost needs the joining host's own network to fail.
    expect((await lab.exec('agx-03', 'docker swarm leave')).code).toBe(0);
    const token = (await lab.exec('agx-01', 'docker swarm join-token -q manager')).stdout.trim();
    const body = JSON.stringify({
      ListenAddr: '0.0.0.0:2377',
      AdvertiseAddr: lab.host('agx-03').ip,
      RemoteAddrs: [`${lab.host('agx-01').ip}:2377`],
      JoinToken: token,
    });
    // The token travels on stdin, never on a command line.
    const cut = await lab.exec(
      'agx-03',
      'curl -s --max-time 0.3 --unix-socket /var/run/docker.sock -H "Content-Type: application/json" --data-binary @- http://docker/swarm/join',
      { input: body },
    );
    expect(cut.code, 'curl must give up before the join answers (exit 28)').toBe(28);
    await pollUntil(
      'agx-03 to be a reachable manager',
      async () => {
        const list = await nodeList(lab, 'agx-01');
        if (!list.some((n) => n.host === 'agx-03' && n.manager === 'Reachable')) return undefined;
        // Its own engine may still say "pending" for a moment after the leader lists it.
        return (await swarmState(lab, 'agx-03')) === 'active' ? true : undefined;
      },
      { timeoutMs: 60_000, signal: new AbortController().signal, attemptMs: 30_000 },
    );
    expect(await nodeLsError()).toBe('');
    // fleet takes it from there: the worker entry agx-03 left behind goes, 3 managers.
    const run = await fleet(lab, cwd, ['up']);
    expect(await convergenceProblems(lab, NAMES, 3, cwd, run)).toEqual([]);
  });
});
