/**
 * One lock per cluster, across admin machines: two clients (light lab hosts, each with its own
 * network namespace on the lab bridge, its own HOME and working folder) run the built fleet against
 * spark (pinned manager) + agx-01. A second `up` refuses with who holds the lock (exit 9) or waits with
 * --wait-lock and then changes nothing; `plan` takes no lock; kill -9 of the holder releases it; the
 * holder description on the hosts holds no secret.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireClusterLock } from '../../src/adapters/ssh/cluster-lock.js';
import { createSshPool } from '../../src/adapters/ssh/pool.js';
import type { SshSettings } from '../../src/adapters/ssh/types.js';
import { CLUSTER_LOCK_FILE, REMOTE_LOCK_DIR } from '../../src/core/remote-locks.js';
import { rejectedFleetError } from '../helpers/fleet-error.js';
import { startLab, type Lab } from '../lab/index.js';
import { makeClient, type LabClient } from './client-helpers.js';
import { joinTokens } from './up-helpers.js';

const CLUSTER = ['spark', 'agx-01'];
let lab: Lab;
let a: LabClient;
let b: LabClient;

beforeAll(async () => {
  lab = await startLab({
    id: 'lock',
    subnet: 22,
    hosts: [
      { name: 'spark', role: 'manager' },
      { name: 'agx-01' },
      { name: 'laptop-a', docker: false },
      { name: 'laptop-b', docker: false },
    ],
    password: 'lock-test-sudo-pw',
  });
  a = await makeClient(lab, 'laptop-a', CLUSTER);
  b = await makeClient(lab, 'laptop-b', CLUSTER);
});

afterAll(async () => {
  await lab?.down();
});

/** The live holder descriptions on a host (one file per uid next to the lock file). */
async function holderFiles(host: string): Promise<string> {
  return (await lab.exec(host, `cat ${CLUSTER_LOCK_FILE}.holder.* 2>/dev/null`)).stdout;
}

async function waitForHolder(host: string, who: string): Promise<string> {
  for (let i = 0; i < 2000; i++) {
    const text = await holderFiles(host);
    if (text.includes(`"host":"${who}"`)) return text;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${who} never held the lock on ${host}`);
}

describe('cluster lock between two admin machines', () => {
  it('a second up refuses naming the holder, plan is not blocked, --wait-lock waits and changes nothing', async () => {
    const first = a.fleet(['up']);
    const holder = await waitForHolder('spark', 'laptop-a');
    await a.signal('STOP'); // laptop-a keeps the lock while we look
    const pidA = await a.pid();

    const refused = await b.fleet(['up']);
    expect(refused.code, refused.stderr).toBe(9);
    expect(refused.stderr).toMatch(
      new RegExp(
        `spark: the cluster is locked: held by fleet up by root on laptop-a \\(pid ${pidA}\\) since \\d{4}-\\d\\d-\\d\\dT`,
      ),
    );
    expect(refused.stderr).toContain('--wait-lock');
    // Refused before touching anything: no report, no role file.
    expect(await b.sh(`ls ${b.home}`)).not.toMatch(/reports|role_assignments/);

    // The description is exactly who/where/when/what: no arguments, no environment, no secrets.
    const [, json] = /^\d+ (.*)$/m.exec(holder)!;
    expect(Object.keys(JSON.parse(json!)).sort()).toEqual(['command', 'host', 'pid', 'since', 'user']);
    expect(JSON.parse(json!)).toMatchObject({
      host: 'laptop-a',
      user: 'root',
      pid: pidA,
      command: 'fleet up',
    });

    const plan = await b.fleet(['plan']);
    expect(plan.stderr).not.toMatch(/locked/);
    expect(plan.code).not.toBe(9);

    const waiting = b.fleet(['up', '--wait-lock', '120']);
    // Resumed only once b has found the lock held and waits (a fixed 1.5 s was not enough at load
    // ~30: b's node had not reached the hosts yet, a finished first, and b never had to wait).
    await b.waitForStderr(/waiting for the cluster lock: held by fleet up by root on laptop-a/);
    await a.signal('CONT');
    const done = await first;
    expect(done.code, done.stderr).toBe(0);
    const second = await waiting;
    expect(second.stderr).toMatch(/waiting for the cluster lock: held by fleet up by root on laptop-a/);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/nothing to change/);

    const tokens = await joinTokens(lab, 'spark');
    expect(tokens.length).toBe(2);
    for (const t of tokens) expect(holder).not.toContain(t);
    // Both runs ended: nobody holds the lock, no description is left behind.
    expect(await holderFiles('spark')).toBe('');
    expect(await holderFiles('agx-01')).toBe('');
  });

  it('kill -9 of the holder releases the lock: the next run proceeds', async () => {
    const first = a.fleet(['up']);
    await waitForHolder('spark', 'laptop-a');
    await a.signal('STOP');
    await a.signal('KILL');
    const killed = await first;
    expect(killed.code).toBe(128 + 9);
    // 20 s is well under the 45 s a silent client is allowed: it is the dead connection that released it.
    const next = await b.fleet(['up', '--wait-lock', '20']);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout).toMatch(/nothing to change/);
  });

  it('two runs that start at the same moment: exactly one holds every host, the other is refused', async () => {
    // Every host is tried at once first; on contention a run gives back what it took and locks one
    // by one in the fixed order, so two runs can neither deadlock nor both lose.
    const settings: SshSettings = {
      connectTimeoutMs: 10_000,
      hostKeyPolicy: 'strict',
      knownHostsFiles: [lab.knownHostsFile],
      maxConcurrentHandshakes: 4,
      retries: 0,
      retryDelayMs: 100,
      maxChannelsPerConnection: 8,
    };
    const pools = [createSshPool(settings), createSshPool(settings)];
    const targets = CLUSTER.map((id) => ({
      id,
      address: lab.host(id).ip,
      port: 22,
      user: 'root',
      identityFiles: [lab.userKeyFile],
    }));
    try {
      for (let round = 0; round < 3; round++) {
        const results = await Promise.allSettled(
          pools.map((pool) => acquireClusterLock(pool, targets, [], { command: 'up' })),
        );
        const won = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
        const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
        expect(won.map((l) => l.held)).toEqual([CLUSTER]);
        expect(lost.map((e) => e.message)).toEqual([
          expect.stringMatching(/the cluster is locked: held by fleet up/),
        ]);
        await won[0]!.release();
      }
      expect(await holderFiles('spark')).toBe('');
    } finally {
      await Promise.all(pools.map((p) => p.closeAll()));
    }
  });

  it('a non-root SSH user: refused with a hint where /run/lock is missing, locked through --sudo', async () => {
    // Lab hosts have no /run/lock (real Debian/Ubuntu hosts have it, mode 1777).
    await lab.exec('agx-01', `rm -rf /run/lock`);
    const settings: SshSettings = {
      connectTimeoutMs: 10_000,
      hostKeyPolicy: 'strict',
      knownHostsFiles: [lab.knownHostsFile],
      maxConcurrentHandshakes: 4,
      retries: 0,
      retryDelayMs: 100,
      maxChannelsPerConnection: 8,
      password: lab.password,
    };
    const pool = createSshPool(settings);
    const target = {
      id: 'agx-01',
      address: lab.host('agx-01').ip,
      port: 22,
      user: 'fleet',
      identityFiles: [],
    };
    try {
      const err = await rejectedFleetError(
        acquireClusterLock(pool, [target], [], { command: 'up' }),
        'locked',
      );
      expect(err.message).toBe(`cannot take the cluster lock: cannot create ${REMOTE_LOCK_DIR}`);
      expect(err.hint).toContain('mode 1777');
      const lock = await acquireClusterLock(pool, [target], [], {
        command: 'up',
        sudo: true,
        alsoRun: 'facts.sh',
      });
      expect(lock.held).toEqual(['agx-01']);
      // Under sudo the lock's shell runs nothing else (facts are read as the login user).
      expect(await lock.output('agx-01')).toBeUndefined();
      const holder = await holderFiles('agx-01');
      expect(holder).toContain('"command":"fleet up"');
      expect(holder).not.toContain(lab.password!);
      expect((await lab.exec('agx-01', `stat -c %a ${REMOTE_LOCK_DIR}`)).stdout.trim()).toBe('1777');
      await lock.release();
      expect(await holderFiles('agx-01')).toBe('');
      // The folder exists now (1777): the same user locks without sudo.
      const plain = await acquireClusterLock(pool, [target], [], {
        command: 'up',
        alsoRun: 'facts.sh --docker-from-api',
      });
      expect(plain.held).toEqual(['agx-01']);
      // facts.sh ran in the lock's own shell, once held (up reads it instead of starting another),
      // with its argument: no docker CLI probes, the docker facts left to the Engine API.
      const facts = await plain.output('agx-01');
      expect(facts).toMatch(/^hostname=agx-01$/m);
      expect(facts).toMatch(/^docker\.status=deferred$/m);
      expect(facts).not.toMatch(/^docker\.version=/m);
      expect(facts).toMatch(/^facts\.end=1$/m);
      expect(await holderFiles('agx-01')).toContain('"command":"fleet up"');
      await plain.release();
    } finally {
      await pool.closeAll();
    }
  });
});
