/**
 * `fleet reboot` rolling through a 3-manager, 5-worker swarm (issue 12), lab `rrw`, subnet 49, with a
 * service of 5 replicas running throughout. From outside fleet, every ~300 ms, a quorum watcher
 * (quorum-watcher.ts) samples the managers and a replica watcher counts the service's running tasks
 * through whichever manager's Docker socket answers. With --batch 2 the workers go two at a time: the
 * running replicas may dip by at most the batch, and quorum is never lost (managers one at a time).
 * The dip stays within the batch only because each wave waits for the drained tasks to run again
 * elsewhere before the next wave drains (shared/drain-wait.ts); a CI run without that wait saw 2.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pollUntil } from '../../src/core/poll.js';
import { run as reboot } from '../../src/ops/reboot/run.js';
import { startLab, type Lab } from '../lab/index.js';
import { labSsh, labTarget, testRuntime } from '../helpers/runtime.js';
import { getJson, QuorumWatcher } from './quorum-watcher.js';

const MANAGERS = ['m1', 'm2', 'm3'];
const WORKERS = ['w1', 'w2', 'w3', 'w4', 'w5'];
const ALL = [...MANAGERS, ...WORKERS];
const REPLICAS = 5;
const BATCH = 2;
let lab: Lab;

async function sh(host: string, command: string): Promise<string> {
  const r = await lab.exec(host, command);
  if (r.code !== 0) throw new Error(`${host}: ${command}: ${r.stderr}`);
  return r.stdout.trim();
}

/** Running tasks of `service` as the first manager that answers sees them, every ~300 ms. */
class ReplicaWatcher {
  readonly counts: number[] = [];
  private running = false;
  private loop?: Promise<void>;

  constructor(private readonly service: string) {}

  private async count(): Promise<number | undefined> {
    const filters = encodeURIComponent(
      JSON.stringify({ service: [this.service], 'desired-state': ['running'] }),
    );
    for (const m of MANAGERS) {
      const socket = lab.host(m).dockerHost!.replace(/^unix:\/\//, '');
      const tasks = await getJson(socket, `/tasks?filters=${filters}`).catch(() => undefined);
      if (!Array.isArray(tasks)) continue;
      return tasks.filter((t: { Status?: { State?: string } }) => t.Status?.State === 'running').length;
    }
    return undefined;
  }

  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        const n = await this.count();
        if (n !== undefined) this.counts.push(n);
        await new Promise((r) => setTimeout(r, 300));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

const runningReplicas = async (): Promise<number> =>
  Number((await sh('m1', "docker service ls --filter name=web --format '{{.Replicas}}'")).split('/')[0]);

beforeAll(async () => {
  lab = await startLab({ id: 'rrw', subnet: 49, hosts: ALL.map((name) => ({ name })) });
  const first = lab.host('m1').ip;
  await sh('m1', `docker swarm init --advertise-addr ${first} >/dev/null`);
  const managerToken = await sh('m1', 'docker swarm join-token -q manager');
  for (const m of ['m2', 'm3'])
    await sh(m, `docker swarm join --token ${managerToken} ${first}:2377 >/dev/null`);
  const workerToken = await sh('m1', 'docker swarm join-token -q worker');
  await Promise.all(
    WORKERS.map((w) => sh(w, `docker swarm join --token ${workerToken} ${first}:2377 >/dev/null`)),
  );
  // No registry: every node gets the image it may be asked to run.
  const images = await Promise.all(ALL.map((h) => lab.importImage(h)));
  // sleep as PID 1 ignores SIGTERM: without a short grace period each moved task would hold its slot
  // for docker's default 10 s before the swarm starts its replacement (it waits for the old one to stop).
  // One replica per node, as a service meant to survive node loss is spread: the swarm's scheduler
  // otherwise may stack two moved tasks on one node, and a batch of 2 nodes could hold 3 replicas.
  await sh(
    'm1',
    `docker service create --detach --name web --replicas ${REPLICAS} --replicas-max-per-node 1 --stop-grace-period 1s --no-resolve-image ${images[0]} sleep 86400 >/dev/null`,
  );
  await pollUntil(
    'web to run all its replicas',
    async () => ((await runningReplicas()) === REPLICAS ? true : undefined),
    {
      timeoutMs: 120_000,
      signal: new AbortController().signal,
    },
  );
}, 300_000);

afterAll(async () => {
  await lab?.down();
});

it('reboots managers one at a time, then workers two at a time: quorum kept, replicas never below count minus batch', async () => {
  const before = new Map<string, string>();
  for (const h of ALL) before.set(h, await sh(h, 'cat /proc/sys/kernel/random/boot_id'));
  const quorum = new QuorumWatcher(lab, MANAGERS);
  const replicas = new ReplicaWatcher('web');
  quorum.start();
  replicas.start();
  const rt = testRuntime({ ssh: labSsh(lab) });
  let verdict;
  try {
    const { result, error } = await reboot(
      { hosts: ALL.map((h) => labTarget(lab, h)), batch: BATCH, drain: true, timeoutMs: 180_000 },
      rt,
    );
    verdict = await quorum.stop();
    await replicas.stop();
    expect(error, error?.message).toBeUndefined();
    expect(result.hosts.map((h) => h.status)).toEqual(ALL.map(() => 'ok'));
    for (const h of result.hosts) {
      expect(h.old_boot_id).toBe(before.get(h.id));
      expect(h.new_boot_id).not.toBe(h.old_boot_id);
    }
    expect(result.left_drained).toEqual([]);
    const phases = rt.events.flatMap((e) => (e.type === 'phase:start' ? [e.phase] : []));
    expect(phases).toEqual([
      'wave 1/6: m1',
      'wave 2/6: m2',
      'wave 3/6: m3',
      'wave 4/6: w1, w2',
      'wave 5/6: w3, w4',
      'wave 6/6: w5',
    ]);
  } finally {
    if (!verdict) {
      await quorum.stop();
      await replicas.stop();
    }
    await rt.close();
  }
  expect(verdict.problems, verdict.summary).toEqual([]);
  // Sampled throughout (a reboot wave takes seconds), and never more than the batch below the count.
  expect(replicas.counts.length).toBeGreaterThan(20);
  expect(Math.min(...replicas.counts), replicas.counts.join(' ')).toBeGreaterThanOrEqual(REPLICAS - BATCH);
  // Every node is back, Ready and active; the service converges to its count again.
  const nodes = await pollUntil(
    'every node Ready and Active',
    async () => {
      const out = await sh(
        'm1',
        "docker node ls --format '{{.Hostname}} {{.Status}} {{.Availability}}' | sort",
      );
      return out.split('\n').every((l) => l.endsWith(' Ready Active')) ? out : undefined;
    },
    { timeoutMs: 60_000, signal: new AbortController().signal },
  );
  expect(nodes.split('\n').map((l) => l.split(' ')[0])).toEqual([...ALL].sort());
  await pollUntil(
    'web back to all its replicas',
    async () => ((await runningReplicas()) === REPLICAS ? true : undefined),
    {
      timeoutMs: 60_000,
      signal: new AbortController().signal,
    },
  );
}, 600_000);
