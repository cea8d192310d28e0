/**
 * `fleet recovery` (issue 14) on a lab (id `rcv`, subnet 40): a manager m1 and a worker w1. Lab hosts
 * have no systemd: the lab's systemctl shim enables the unit (a link in multi-user.target.wants) and,
 * at a lab reboot, runs its ExecStart after sshd and dockerd; its output is the stand-in journal the
 * journalctl shim prints. The reproduction: w1 reboots with its link cut, so its Docker starts before
 * the network; the unit waits for a manager on 2377, and w1 is Ready once the link is back.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil as poll, type PollOptions } from '../../src/core/poll.js';
import { recoveryUnit, RECOVERY_PATHS } from '../../src/core/recovery.js';
import { run, type RecoveryAction, type RecoveryInput } from '../../src/ops/recovery/run.js';
import { startLab, type Lab } from '../lab/index.js';
import { labSsh, labTarget, testRuntime } from '../helpers/runtime.js';
import { ensureBuilt, runFleet, scratchDir } from './exec-helpers.js';

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

let cwd: string;

beforeAll(async () => {
  await ensureBuilt();
  lab = await startLab({ id: 'rcv', subnet: 40, hosts: [{ name: 'm1' }, { name: 'w1' }] });
  cwd = scratchDir('recovery');
  lab.writeInventory(join(cwd, 'nodes.yml'));
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

  it('a worker still pending when the settle time is over gets one Docker restart and comes back', async () => {
    // The fault: the address w1's Docker dials for its manager (m1's advertised one) is dropped by a
    // firewall rule in w1, while another address of m1 answers on 2377 (the one the boot check is
    // told to try). So the network is "up", yet w1's engine stays `pending`: the stuck case.
    const m1 = lab.host('m1').ip;
    const other = m1.replace(/\.\d+$/, '.200');
    const dev = await sh('m1', 'ip -o -4 addr show | awk \'$2 != "lo" {print $2; exit}\'');
    await recovery('install', ['w1'], {
      timings: { backoffMaxSeconds: 2, settleSeconds: 30, waitSeconds: 300 },
    });
    await sh('w1', `sed -i 's/^FLEET_MANAGERS=.*/FLEET_MANAGERS="${other}"/' ${RECOVERY_PATHS.config}`);
    await sh('m1', `ip addr add ${other}/24 dev ${dev}`);
    const rule = `OUTPUT -d ${m1} -p tcp --dport 2377 -j DROP`;
    await sh('w1', `iptables -I ${rule}`);
    let dockerdBefore = '';
    try {
      const log = await rebootAndWaitForResult('w1', async () => {
        // The unit starts after the boot's dockerd, whose pid file is written when it is started.
        dockerdBefore = (await lab.exec('w1', 'cat /run/docker.pid')).stdout.trim();
        expect(dockerdBefore).toMatch(/^\d+$/);
        await pollUntil(
          'w1: stuck and restarting Docker',
          async () =>
            (await lab.exec('w1', `grep -q 'restarting Docker once' ${JOURNAL}`)).code === 0
              ? true
              : undefined,
          { timeoutMs: 180_000, maxDelayMs: 500 },
        );
        // The firewall is fixed while the script restarts Docker (it would not come back otherwise).
        await sh('w1', `iptables -D ${rule}`);
      });
      expect(log).toMatch(new RegExp(`manager ${other.replace(/\./g, '\\.')} answers on 2377`));
      expect(log).toMatch(/stuck: swarm state pending after 30s: restarting Docker once/);
      expect(log.match(/restarting Docker once/g)).toHaveLength(1);
      expect(log).toMatch(/result: active swarm member after restarting Docker/);
      // Docker really was restarted by the script: another dockerd than the one the boot started.
      await pollUntil(
        'w1 dockerd restarted',
        async () => {
          const pid = (await lab.exec('w1', 'cat /run/docker.pid')).stdout.trim();
          return pid !== '' && pid !== dockerdBefore ? pid : undefined;
        },
        { timeoutMs: 60_000 },
      );
      await pollUntil('w1 Ready', async () => ((await workerState()) === 'Ready' ? true : undefined), {
        timeoutMs: 120_000,
      });
    } finally {
      await lab.exec('w1', `iptables -D ${rule}`);
      await lab.exec('m1', `ip addr del ${other}/24 dev ${dev}`);
      // The config names m1's own address again, with the short waits of the other tests.
      await recovery('install', ['w1']);
    }
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

describe('fleet recovery through the built binary', () => {
  const fleet = (args: string[]) =>
    runFleet(lab, ['recovery', ...args, '-f', 'nodes.yml'], { cwd, env: { FLEET_SSH_RETRIES: '0' } });

  it('install --json, status (table with the journal of this boot), remove; exit 0 each', async () => {
    const installed = await fleet(['install', '-n', 'w1', '--json', '--settle-timeout', '20']);
    expect(installed.exitCode, installed.stderr).toBe(0);
    const report = JSON.parse(installed.stdout) as {
      command: string;
      managers: string[];
      hosts: { id: string; status: string; installed: boolean; enabled: string }[];
    };
    expect(report.command).toBe('recovery install');
    expect(report.managers).toEqual([lab.host('m1').ip]);
    expect(report.hosts).toMatchObject([{ id: 'w1', status: 'ok', installed: true, enabled: 'enabled' }]);
    // --json: the report on stdout, the same one as in reports/.
    const saved = readdirSync(join(cwd, 'reports')).filter((f) => f.startsWith('recovery-install-'));
    expect(saved).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(cwd, 'reports', saved[0]!), 'utf8'))).toEqual(report);
    expect(await sh('w1', `cat ${RECOVERY_PATHS.config}`)).toContain('FLEET_SETTLE_SECONDS=20');

    const status = await fleet(['status', '--all']);
    expect(status.exitCode, status.stderr).toBe(0);
    const lines = status.stdout.split('\n');
    expect(lines[0]).toMatch(/^NODE\s+INSTALLED\s+ENABLED\s+SWARM\s+LAST BOOT$/);
    expect(lines).toContainEqual(expect.stringMatching(/^m1\s+yes\s+enabled\s+active\s+-$/));
    // w1 rebooted in the tests above: its last boot's result and journal lines are shown.
    expect(lines).toContainEqual(expect.stringMatching(/^w1\s+yes\s+enabled\s+active\s+not in a swarm/));
    expect(status.stdout).toContain('w1: journal of this boot (fleet-recovery.service)');
    expect(status.stdout).toMatch(/^ {2}fleet-recovery: boot /m);

    const removed = await fleet(['remove', '-n', 'w1']);
    expect(removed.exitCode, removed.stderr).toBe(0);
    expect(removed.stdout).toMatch(/^NODE\s+RESULT\nw1\s+removed\n$/);
    expect(removed.stderr).toMatch(/\[change\] w1: recovery unit removed/);
    expect(existsSync(join(cwd, 'reports'))).toBe(true);
    const again = await fleet(['remove', '-n', 'w1']);
    expect(again.stdout).toMatch(/^w1\s+was not installed$/m);
  });

  it('exit 2 for a bad action or --wait-mount, exit 3 for a node that cannot be reached', async () => {
    const bad = await fleet(['frobnicate', '--all']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('fleet recovery takes install, status or remove (got "frobnicate")');
    const mount = await fleet(['install', '--all', '--wait-mount', 'mnt/models']);
    expect(mount.exitCode).toBe(2);
    expect(mount.stderr).toMatch(/--wait-mount/);

    // A node whose sshd is not where nodes.yml says (port 1: refused at once).
    writeFileSync(
      join(cwd, 'ghost.yml'),
      `defaults: { user: root, port: 1 }\nnodes:\n  - { id: ghost, name: ghost, ip: ${lab.host('w1').ip}, type: x86 }\n`,
    );
    const r = await runFleet(lab, ['recovery', 'status', '-f', 'ghost.yml', '--all', '--json'], {
      cwd,
      env: { FLEET_SSH_RETRIES: '0' },
    });
    expect(r.exitCode).toBe(3);
    const report = JSON.parse(r.stdout) as {
      failed: number;
      hosts: { id: string; status: string; failure: string }[];
    };
    expect(report.failed).toBe(1);
    expect(report.hosts).toMatchObject([{ id: 'ghost', status: 'failed', failure: 'connect' }]);
    expect(r.stderr).toMatch(/recovery status failed on ghost \(/);
  });
});
