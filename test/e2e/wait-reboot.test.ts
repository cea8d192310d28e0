/**
 * `fleet wait`, `fleet reboot` and `fleet rollout` (issue 12) against a lab (id `wrb`, subnet 33):
 * three full hosts forming a 3-manager swarm, a full host joined as worker and one light host outside
 * it. Lab hosts reboot for real as far as a
 * namespace allows: `systemctl reboot` (the lab's shim) kills every process of that host, gives it a
 * new boot id (its own file bind-mounted over the kernel's) and starts sshd and dockerd again.
 */
import { readFileSync } from 'node:fs';
import { pollUntil } from '../../src/core/poll.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostTarget } from '../../src/core/host.js';
import { run as reboot } from '../../src/ops/reboot/run.js';
import { run as rollout } from '../../src/ops/rollout/run.js';
import { run as wait } from '../../src/ops/wait/run.js';
import { startLab, type Lab } from '../lab/index.js';
import { schemaValidator } from '../helpers/report-schema.js';
import { labSsh, labTarget, testRuntime } from '../helpers/runtime.js';
import { ensureBuilt, runFleet, scratchDir } from './exec-helpers.js';
import { QuorumWatcher } from './quorum-watcher.js';

let lab: Lab;
const MANAGERS = ['m1', 'm2', 'm3'];
const target = (name: string): HostTarget => labTarget(lab, name);

async function sh(host: string, command: string): Promise<string> {
  const r = await lab.exec(host, command);
  if (r.code !== 0) throw new Error(`${host}: ${command}: ${r.stderr}`);
  return r.stdout.trim();
}
const bootId = (host: string) => sh(host, 'cat /proc/sys/kernel/random/boot_id');
const validateWait = schemaValidator('wait-report.schema.json');
const validateReboot = schemaValidator('reboot-report.schema.json');
const validateRollout = schemaValidator('rollout-report.schema.json');
const ALL = ['w1', 'l1', ...MANAGERS];

beforeAll(async () => {
  lab = await startLab({
    id: 'wrb',
    subnet: 33,
    hosts: [{ name: 'm1' }, { name: 'm2' }, { name: 'm3' }, { name: 'w1' }, { name: 'l1', docker: false }],
  });
  await sh('m1', `docker swarm init --advertise-addr ${lab.host('m1').ip} >/dev/null`);
  const token = await sh('m1', 'docker swarm join-token -q manager');
  for (const m of ['m2', 'm3'])
    await sh(m, `docker swarm join --token ${token} ${lab.host('m1').ip}:2377 >/dev/null`);
  const workerToken = await sh('m1', 'docker swarm join-token -q worker');
  await sh('w1', `docker swarm join --token ${workerToken} ${lab.host('m1').ip}:2377 >/dev/null`);
}, 180_000);

afterAll(async () => {
  await lab?.down();
});

describe('fleet wait', () => {
  it('returns once a stopped host is back (sshd starting late), each host named online', async () => {
    await lab.stopHost('l1');
    const rt = testRuntime({ ssh: labSsh(lab, { retries: 0 }) });
    // Whether l1 was being started again when wait said it was online. Not compared with m1's
    // seconds: under load m1's own connection took longer (3.31 s) than l1's stop-start (3.26 s).
    let restarting = false;
    let onlineWhileRestarting: boolean | undefined;
    rt.bus.subscribe((e) => {
      if (e.type === 'host:done' && e.host === 'l1') onlineWhileRestarting = restarting;
    });
    try {
      const waiting = wait(
        { hosts: [target('l1'), target('m1')], level: 'ssh', timeoutMs: 60_000, concurrency: 4 },
        rt,
      );
      await new Promise((r) => setTimeout(r, 2500));
      restarting = true;
      await lab.startHost('l1');
      const { result, error } = await waiting;
      expect(error).toBeUndefined();
      expect(validateWait(result), JSON.stringify(validateWait.errors)).toBe(true);
      expect(result.hosts.map((h) => [h.id, h.status])).toEqual([
        ['l1', 'online'],
        ['m1', 'online'],
      ]);
      // l1 could only answer after it was started again.
      expect(onlineWhileRestarting).toBe(true);
    } finally {
      await rt.close();
    }
  });

  it('times out with the missing hosts named; --docker waits for the engine', async () => {
    await lab.stopHost('l1');
    const rt = testRuntime({ ssh: labSsh(lab, { retries: 0 }) });
    try {
      const { result, error } = await wait(
        { hosts: [target('m1'), target('l1')], level: 'ssh', timeoutMs: 3000, concurrency: 4 },
        rt,
      );
      expect(error?.code).toBe('timeout');
      expect(validateWait(result), JSON.stringify(validateWait.errors)).toBe(true);
      expect(error?.message).toMatch(/timed out after 3s waiting for SSH on 1 of 2 hosts: l1/);
      expect(result.hosts.map((h) => [h.id, h.status])).toEqual([
        ['m1', 'online'],
        ['l1', 'timeout'],
      ]);
      await lab.stopDocker('m3');
      const docker = wait({ hosts: [target('m3')], level: 'docker', timeoutMs: 60_000, concurrency: 1 }, rt);
      await new Promise((r) => setTimeout(r, 2000));
      await lab.startDocker('m3');
      expect((await docker).result.hosts[0]).toMatchObject({ id: 'm3', status: 'online' });
    } finally {
      await rt.close();
      await lab.startHost('l1');
    }
  });

  it('the CLI shows "✓ host - online (Ns)" and the footer without a terminal', async () => {
    await ensureBuilt();
    const cwd = scratchDir('wait');
    const r = await runFleet(lab, ['wait', '-n', 'm1,l1', '--timeout', '30'], { cwd });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^✓ m1 - online \(\d+s\)$/m);
    expect(r.stdout).toMatch(/^\[2\/2\] online \| elapsed \d+s \| timeout in \d+s$/m);
  });
});

describe('fleet reboot', () => {
  it('--all-at-once is refused for managers when it would lose quorum; nothing is rebooted', async () => {
    const before = await bootId('m1');
    const rt = testRuntime({ ssh: labSsh(lab) });
    try {
      const { error } = await reboot(
        { hosts: MANAGERS.map(target), drain: true, allAtOnce: true, timeoutMs: 60_000 },
        rt,
      );
      expect(error?.code).toBe('quorum');
      expect(error?.message).toMatch(/reboot 3 of 3 managers together; the swarm needs 2/);
    } finally {
      await rt.close();
    }
    expect(await bootId('m1')).toBe(before);
  });

  it('rolls managers one at a time with quorum kept, then the other host; new boot ids, nodes active again', async () => {
    const machineBootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8');
    const before = new Map<string, string>();
    for (const h of [...MANAGERS, 'l1']) before.set(h, await bootId(h));
    const watcher = new QuorumWatcher(lab, MANAGERS);
    watcher.start();
    const rt = testRuntime({ ssh: labSsh(lab) });
    let verdict;
    try {
      const { result, error } = await reboot(
        { hosts: [target('l1'), ...MANAGERS.map(target)], drain: true, timeoutMs: 120_000 },
        rt,
      );
      verdict = await watcher.stop();
      expect(error, error?.message).toBeUndefined();
      expect(result.hosts.map((h) => [h.id, h.role, h.status])).toEqual([
        ['l1', 'none', 'ok'],
        ['m1', 'manager', 'ok'],
        ['m2', 'manager', 'ok'],
        ['m3', 'manager', 'ok'],
      ]);
      expect(validateReboot(result), JSON.stringify(validateReboot.errors)).toBe(true);
      expect(result.devices.map((d) => [d.id, d.status])).toEqual([
        ['l1', 'success'],
        ['m1', 'success'],
        ['m2', 'success'],
        ['m3', 'success'],
      ]);
      expect(result.success_rate).toBe(100);
      for (const h of result.hosts) {
        expect(h.old_boot_id).toBe(before.get(h.id));
        expect(h.new_boot_id).not.toBe(h.old_boot_id);
        expect(h.new_boot_id).toBe(await bootId(h.id));
      }
      expect(result.left_drained).toEqual([]);
      // Managers first, one per wave, then the host outside the swarm.
      const phases = rt.events.flatMap((e) => (e.type === 'phase:start' ? [e.phase] : []));
      expect(phases).toEqual(['wave 1/4: m1', 'wave 2/4: m2', 'wave 3/4: m3', 'wave 4/4: l1']);
      const changes = rt.events.flatMap((e) => (e.type === 'change' ? [`${e.host} ${e.description}`] : []));
      expect(changes).toEqual([
        'm1 drained',
        'm1 activated',
        'm2 drained',
        'm2 activated',
        'm3 drained',
        'm3 activated',
      ]);
    } finally {
      if (!verdict) await watcher.stop();
      await rt.close();
    }
    expect(verdict.problems, verdict.summary).toEqual([]);
    // Status may read Unknown for a heartbeat after the last leader change: poll, then compare.
    const listed = async (): Promise<string[]> =>
      (
        await sh(
          'm1',
          "docker node ls --format '{{.Hostname}} {{.Status}} {{.Availability}} {{.ManagerStatus}}' | sort",
        )
      )
        .split('\n')
        .map((l) => l.trimEnd().replace(/ (Leader|Reachable)$/, ' M'));
    await pollUntil(
      'every node Ready',
      async () => ((await listed()).some((l) => / Unknown /.test(l)) ? undefined : true),
      {
        timeoutMs: 30_000,
        signal: new AbortController().signal,
      },
    ).catch(() => undefined);
    expect(await listed()).toEqual([
      'm1 Ready Active M',
      'm2 Ready Active M',
      'm3 Ready Active M',
      'w1 Ready Active',
    ]);
    // The machine itself was not rebooted, and its boot id is its own.
    expect(readFileSync('/proc/sys/kernel/random/boot_id', 'utf8')).toBe(machineBootId);
  });
});

/** The marker each host's rollout command leaves: `<hostname> <start ns> <end ns> <availability>`. */
interface Marker {
  host: string;
  start: number;
  end: number;
  availability: string;
}

async function marker(host: string, file: string): Promise<Marker | undefined> {
  const r = await lab.exec(host, `cat ${file} 2>/dev/null`);
  if (r.code !== 0) return undefined;
  const [name, start, end, availability] = r.stdout.trim().split(' ');
  return { host: name!, start: Number(start), end: Number(end), availability: availability! };
}

const nodeAvailability = async (): Promise<string[]> =>
  (await sh('m1', "docker node ls --format '{{.Hostname}} {{.Availability}}' | sort")).split('\n');

describe('fleet rollout', () => {
  it('runs the command managers first, one at a time and drained, then the rest; every node active again', async () => {
    const file = '/tmp/rollout-order';
    // A manager sees its own availability while the command runs; workers cannot ask ('-').
    const command =
      "s=$(date +%s%N); a=$(docker node inspect self --format '{{.Spec.Availability}}' 2>/dev/null || echo -); " +
      `sleep 0.3; echo "$(hostname) $s $(date +%s%N) $a" > ${file}`;
    const rt = testRuntime({ ssh: labSsh(lab) });
    try {
      const { result, error } = await rollout(
        { hosts: ALL.map(target), command, drain: true, timeoutMs: 60_000 },
        rt,
      );
      expect(error, error?.message).toBeUndefined();
      expect(validateRollout(result), JSON.stringify(validateRollout.errors)).toBe(true);
      expect(result.hosts.map((h) => [h.id, h.role, h.status, h.exit_code])).toEqual([
        ['w1', 'worker', 'ok', 0],
        ['l1', 'none', 'ok', 0],
        ['m1', 'manager', 'ok', 0],
        ['m2', 'manager', 'ok', 0],
        ['m3', 'manager', 'ok', 0],
      ]);
      expect(result.success_rate).toBe(100);
      expect(result.devices.every((d) => d.status === 'success' && d.exit_code === 0)).toBe(true);
      expect(result.left_drained).toEqual([]);
      const phases = rt.events.flatMap((e) => (e.type === 'phase:start' ? [e.phase] : []));
      expect(phases).toEqual([
        'wave 1/5: m1',
        'wave 2/5: m2',
        'wave 3/5: m3',
        'wave 4/5: w1',
        'wave 5/5: l1',
      ]);
    } finally {
      await rt.close();
    }
    const markers = await Promise.all(ALL.map((h) => marker(h, file)));
    const byHost = new Map(markers.map((m, i) => [ALL[i]!, m!]));
    expect([...byHost.entries()].map(([h, m]) => [h, m.host])).toEqual(ALL.map((h) => [h, h]));
    // Each manager ran drained, alone: its command ended before the next one's started.
    const managers = MANAGERS.map((h) => byHost.get(h)!);
    for (const m of managers) expect(m.availability, m.host).toBe('drain');
    for (let i = 1; i < managers.length; i++)
      expect(managers[i]!.start).toBeGreaterThan(managers[i - 1]!.end);
    // Every manager before any other host.
    const lastManager = Math.max(...managers.map((m) => m.end));
    for (const h of ['w1', 'l1']) expect(byHost.get(h)!.start, h).toBeGreaterThan(lastManager);
    expect(await nodeAvailability()).toEqual(['m1 Active', 'm2 Active', 'm3 Active', 'w1 Active']);
  });

  it('stops at the first failing host: the rest untouched, the failed node left drained and named (CLI, exit 4)', async () => {
    await ensureBuilt();
    const file = '/tmp/rollout-stop';
    for (const h of ALL) await sh(h, `rm -f ${file}`);
    const command = `if [ "$(hostname)" = m2 ]; then echo "m2 is broken" >&2; exit 3; fi; touch ${file}`;
    const cwd = scratchDir('rollout');
    const r = await runFleet(lab, ['rollout', '-n', ALL.join(','), '--json', '--', command], { cwd });
    expect(r.exitCode, r.stderr).toBe(4);
    const report = JSON.parse(r.stdout) as Awaited<ReturnType<typeof rollout>>['result'];
    expect(validateRollout(report), JSON.stringify(validateRollout.errors)).toBe(true);
    expect(report.hosts.map((h) => [h.id, h.status, h.exit_code])).toEqual([
      ['w1', 'not-started', null],
      ['l1', 'not-started', null],
      ['m1', 'ok', 0],
      ['m2', 'failed', 3],
      ['m3', 'not-started', null],
    ]);
    expect(report.hosts.find((h) => h.id === 'm2')?.error).toMatch(/failed on m2 \(exit 3\): m2 is broken/);
    expect(report.devices.map((d) => d.status)).toEqual([
      'not-started',
      'not-started',
      'success',
      'failed',
      'not-started',
    ]);
    expect(report.success_rate).toBe(20);
    // Only m1 ran the command; m2 stopped the rollout before anything else was touched.
    for (const h of ALL) expect((await lab.exec(h, `test -e ${file}`)).code === 0, h).toBe(h === 'm1');
    expect(await nodeAvailability()).toEqual(['m1 Active', 'm2 Drain', 'm3 Active', 'w1 Active']);
    const left = report.left_drained;
    expect(left.map((d) => d.id)).toEqual(['m2']);
    expect(r.stderr).toMatch(/stopped after m2 failed/);
    expect(r.stderr).toContain(`still drained: m2 (on a manager run: ${left[0]!.activate})`);
    // The command it names brings the node back.
    await sh('m1', left[0]!.activate);
    expect(await nodeAvailability()).toEqual(['m1 Active', 'm2 Active', 'm3 Active', 'w1 Active']);
  });

  it('Ctrl-C stops after the current wave: the running node finishes and is activated, the rest not started', async () => {
    const file = '/tmp/rollout-abort';
    for (const h of ALL) await sh(h, `rm -f ${file}`);
    const rt = testRuntime({ ssh: labSsh(lab) });
    rt.bus.subscribe((e) => {
      if (e.type === 'change' && e.host === 'm1' && e.description === 'drained') rt.abort();
    });
    try {
      const { result, error } = await rollout(
        { hosts: ALL.map(target), command: `sleep 1; touch ${file}`, drain: true, timeoutMs: 60_000 },
        rt,
      );
      expect(error?.code).toBe('interrupted');
      expect(validateRollout(result), JSON.stringify(validateRollout.errors)).toBe(true);
      expect(result.was_interrupted).toBe(true);
      expect(result.hosts.map((h) => [h.id, h.status])).toEqual([
        ['w1', 'not-started'],
        ['l1', 'not-started'],
        ['m1', 'ok'],
        ['m2', 'not-started'],
        ['m3', 'not-started'],
      ]);
      expect(result.left_drained).toEqual([]);
    } finally {
      await rt.close();
    }
    for (const h of ALL) expect((await lab.exec(h, `test -e ${file}`)).code === 0, h).toBe(h === 'm1');
    expect(await nodeAvailability()).toEqual(['m1 Active', 'm2 Active', 'm3 Active', 'w1 Active']);
  });
});
