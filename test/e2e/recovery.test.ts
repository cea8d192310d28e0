/**
 * `fleet recovery` (issue 14) on a lab (id `rcv`, subnet 40): a manager m1 and a worker w1. Lab hosts
 * have no systemd: the lab's systemctl shim enables the unit (a link in multi-user.target.wants) and,
 * at a lab reboot, runs its ExecStart after sshd and dockerd; its output is the stand-in journal the
 * journalctl shim prints. The reproduction: w1 reboots with its link cut, so its Docker starts before
 * the network; the unit waits for a manager on 2377, and w1 is Ready once the link is back.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil as poll, type PollOptions } from '../../src/core/poll.js';
import { recoveryUnit, RECOVERY_PATHS } from '../../src/core/recovery.js';
import { run, type RecoveryAction, type RecoveryInput } from '../../src/ops/recovery/run.js';
import { startLab, type Lab } from '../lab/index.js';
import { labSsh, labTarget, testRuntime } from '../helpers/runtime.js';

let lab: Lab;
const never = new AbortController().signal;
const pollUntil = <T>(what: string, check: () => Promise<T | undefined>, o: Omit<PollOptions, 'signal'>) =>
  poll(what, check, { ...o, signal: never });
const JOURNAL = '/run/fleet-lab/journal/fleet-recovery.service.log';

async function sh(host: string, command: string): Promise<string> {
  const r = await lab.exec(host, command);
  if (r.code !== 0) throw new Error(`${host}: ${command}: ${r.stderr}`);
  return r.stdout.trim();
}

async function recovery(action: RecoveryAction, hosts: string[], extra: Partial<RecoveryInput> = {}) {
  const rt = testRuntime({ ssh: labSsh(lab) });
  try {
    return await run(
      {
        action,
        hosts: hosts.map((h) => labTarget(lab, h)),
        managers: [labTarget(lab, 'm1')],
        waitMounts: [],
        // Short waits so the test does not sit in a 30 s back-off; the logic is the same.
        timings: { backoffMaxSeconds: 2, settleSeconds: 20, waitSeconds: 300 },
        concurrency: 4,
        ...extra,
      },
      rt,
    );
  } finally {
    await rt.close();
  }
}

/** The worker's state as the manager's node list shows it. */
const workerState = () => sh('m1', "docker node ls --filter name=w1 --format '{{.Status}}'");

/** Reboots a lab host and waits until the unit's boot script printed its result line. */
async function rebootAndWaitForResult(host: string, before?: () => Promise<void>): Promise<string> {
  const oldBoot = await sh(host, 'cat /proc/sys/kernel/random/boot_id');
  await sh(host, 'systemctl reboot');
  // The shim reboots ~1 s later (new boot id) and starts the unit after dockerd.
  const boot = await pollUntil(
    `${host} rebooted`,
    async () => {
      const id = (await lab.exec(host, 'cat /proc/sys/kernel/random/boot_id')).stdout.trim();
      return id !== oldBoot ? id : undefined;
    },
    { timeoutMs: 60_000 },
  );
  await pollUntil(
    `${host}: recovery started`,
    async () =>
      (await lab.exec(host, `grep -q 'fleet-recovery: boot ${boot}' ${JOURNAL}`)).code === 0
        ? true
        : undefined,
    { timeoutMs: 60_000 },
  );
  await before?.();
  return pollUntil(
    `${host}: recovery result`,
    async () => {
      const log = (await lab.exec(host, `cat ${JOURNAL}`)).stdout;
      return /result: /.test(log) ? log : undefined;
    },
    { timeoutMs: 180_000, maxDelayMs: 1000 },
  );
}

beforeAll(async () => {
  lab = await startLab({ id: 'rcv', subnet: 40, hosts: [{ name: 'm1' }, { name: 'w1' }] });
  await sh('m1', `docker swarm init --advertise-addr ${lab.host('m1').ip} >/dev/null`);
  const token = await sh('m1', 'docker swarm join-token -q worker');
  await sh('w1', `docker swarm join --token ${token} ${lab.host('m1').ip}:2377 >/dev/null`);
}, 180_000);

afterAll(async () => {
  await lab?.down();
});

describe('the recovery unit file', () => {
  it('passes systemd-analyze verify (with a wait-mount)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-recovery-unit-'));
    const file = join(dir, 'fleet-recovery.service');
    writeFileSync(file, recoveryUnit({ waitMounts: ['/mnt/spark-models'] }));
    // Throws (non-zero exit) on any error; warnings go to stderr, which we also require empty.
    const out = execFileSync('systemd-analyze', ['verify', file], { encoding: 'utf8', stdio: 'pipe' });
    expect(out).toBe('');
  });
});

describe('fleet recovery', () => {
  it('install writes the unit, script and config (no token) and enables it; a re-run changes nothing', async () => {
    const first = await recovery('install', ['m1', 'w1']);
    expect(first.error).toBeUndefined();
    expect(first.result.hosts.map((h) => [h.id, h.status, h.installed, h.enabled, h.current])).toEqual([
      ['m1', 'ok', true, 'enabled', true],
      ['w1', 'ok', true, 'enabled', true],
    ]);
    expect(first.result.managers).toEqual([lab.host('m1').ip]);
    expect(first.result.success_rate).toBe(100);
    expect(first.result.devices.map((d) => d.status)).toEqual(['success', 'success']);
    // w1 waits for m1; m1 (the only manager) waits for no one.
    expect(await sh('w1', `cat ${RECOVERY_PATHS.config}`)).toContain(`FLEET_MANAGERS="${lab.host('m1').ip}"`);
    expect(await sh('m1', `cat ${RECOVERY_PATHS.config}`)).toContain('FLEET_MANAGERS=""');
    const installed = await sh(
      'w1',
      `cat ${RECOVERY_PATHS.unit} ${RECOVERY_PATHS.script} ${RECOVERY_PATHS.config}`,
    );
    expect(installed).not.toMatch(/SWMTKN|join-token|swarm join/);
    expect(
      await sh('w1', 'readlink /etc/systemd/system/multi-user.target.wants/fleet-recovery.service'),
    ).toBe(RECOVERY_PATHS.unit);

    const again = await recovery('install', ['m1', 'w1']);
    expect(again.result.hosts.map((h) => h.status)).toEqual(['unchanged', 'unchanged']);
  });

  it('a worker whose Docker starts before its link is up comes back Ready after the link comes up', async () => {
    await lab.cutLink('w1');
    const log = await rebootAndWaitForResult('w1', async () => {
      // Docker is up on w1 (started by the boot) while the link is still down; the unit waits.
      await pollUntil(
        'w1 docker',
        async () => ((await lab.exec('w1', 'docker info >/dev/null 2>&1')).code === 0 ? true : undefined),
        {
          timeoutMs: 60_000,
        },
      );
      await pollUntil(
        'w1 waiting for a manager',
        async () =>
          (await lab.exec('w1', `grep -q 'no manager answers' ${JOURNAL}`)).code === 0 ? true : undefined,
        { timeoutMs: 60_000 },
      );
      expect(await workerState()).not.toBe('Ready');
      await lab.restoreLink('w1');
    });
    expect(log).toMatch(new RegExp(`manager ${lab.host('m1').ip.replace(/\./g, '\\.')} answers on 2377`));
    expect(log).toMatch(/result: active swarm member/);
    await pollUntil('w1 Ready', async () => ((await workerState()) === 'Ready' ? true : undefined), {
      timeoutMs: 120_000,
    });
    const status = await recovery('status', ['w1']);
    const w1 = status.result.hosts[0]!;
    expect(w1.swarm_state).toBe('active');
    expect(w1.verdict).toBe('ok');
    expect(w1.last_boot.some((l) => /no manager answers on 2377 yet/.test(l))).toBe(true);
    expect(w1.last_result).toMatch(/^active swarm member/);
  });

  it('a node that left the swarm is reported, not re-joined (no token on the node)', async () => {
    await sh('w1', 'docker swarm leave --force >/dev/null');
    const log = await rebootAndWaitForResult('w1');
    expect(log).toMatch(/result: not in a swarm \(this node left it\)/);
    expect(await sh('w1', "docker info --format '{{.Swarm.LocalNodeState}}'")).toBe('inactive');
    const status = await recovery('status', ['w1']);
    expect(status.result.hosts[0]).toMatchObject({
      swarm_state: 'inactive',
      verdict: 'left the swarm (fleet up re-joins it)',
    });
    // Back in for the next test.
    const token = await sh('m1', 'docker swarm join-token -q worker');
    await sh('w1', `docker swarm join --token ${token} ${lab.host('m1').ip}:2377 >/dev/null`);
  });

  it('remove disables the unit and deletes its files; status then says not installed', async () => {
    const removed = await recovery('remove', ['w1']);
    expect(removed.result.hosts[0]!.status).toBe('ok');
    expect(
      (await lab.exec('w1', `ls ${RECOVERY_PATHS.unit} ${RECOVERY_PATHS.script} ${RECOVERY_PATHS.config}`))
        .code,
    ).not.toBe(0);
    expect((await lab.exec('w1', 'systemctl is-enabled fleet-recovery.service')).code).not.toBe(0);
    const status = await recovery('status', ['w1']);
    expect(status.result.hosts[0]).toMatchObject({ installed: false, verdict: 'not installed' });
    const again = await recovery('remove', ['w1']);
    expect(again.result.hosts[0]!.status).toBe('unchanged');
  });
});
