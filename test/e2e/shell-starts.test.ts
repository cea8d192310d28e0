/**
 * One login-shell start per command, like `ssh host 'cmd'` (issue 10), on the lab (id `shells`, subnet
 * 35) with the realistic-sleep profile: every account's login shell is bash with a ~/.bashrc, which
 * bash reads for every command that arrives over SSH. Each ~/.bashrc also appends a line to a counter
 * file, so the number of lines is the number of shell starts a command cost the host. The host runs
 * Docker, so `fleet up` can form a one-node swarm on it.
 */
import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../lab/index.js';
import { ensureBuilt, runFleet, scratchDir } from './exec-helpers.js';

const PASSWORD = `pw-${randomBytes(9).toString('base64url')}`;
const HOST = 'agx-01';
let lab: Lab;

/** Shell starts of root and of fleet since the last call (the counter files are emptied). */
async function takeStarts(): Promise<{ root: number; fleet: number }> {
  const r = await lab.exec(
    HOST,
    'for f in /root/.shell-starts /home/fleet/.shell-starts; do wc -l < $f; : > $f; done',
  );
  const [root, fleet] = r.stdout.trim().split('\n').map(Number);
  return { root: root!, fleet: fleet! };
}

beforeAll(async () => {
  await ensureBuilt();
  lab = await startLab({
    id: 'shells',
    subnet: 35,
    hosts: [{ name: HOST }],
    password: PASSWORD,
    profile: 'realistic-sleep',
  });
  const count = (home: string) => `echo start >> ${home}/.shell-starts`;
  await lab.exec(
    HOST,
    [
      `echo '${count('/root')}' >> /root/.bashrc`,
      `echo '${count('/home/fleet')}' >> /home/fleet/.bashrc`,
      'touch /root/.shell-starts /home/fleet/.shell-starts',
      'chown fleet: /home/fleet/.shell-starts',
    ].join(' && '),
  );
}, 120_000);

afterAll(async () => {
  await lab?.down();
});

describe('one remote shell start per command', () => {
  it('the lab profile gives root and fleet a bash login shell that reads ~/.bashrc over SSH', async () => {
    const shells = await lab.exec(HOST, 'getent passwd root fleet | cut -d: -f7');
    expect(shells.stdout).toBe('/bin/bash\n/bin/bash\n');
    await takeStarts();
    const ssh = await execa('ssh', ['-F', lab.sshConfigFile, HOST, 'true'], { env: lab.env, reject: false });
    expect(ssh.exitCode, ssh.stderr).toBe(0);
    expect(await takeStarts()).toEqual({ root: 1, fleet: 0 });
  });

  it('fleet exec costs one shell start, like ssh host cmd, with stdout unchanged', async () => {
    const cwd = scratchDir('shells');
    await takeStarts();
    const r = await runFleet(lab, ['exec', '-n', HOST, '--', 'hostname; echo "$0"'], { cwd });
    expect(r.exitCode, r.stderr).toBe(0);
    // $0 is the login shell sshd started (`bash`), not a second `/bin/bash` started by a wrapper.
    expect(r.stdout).toBe(`${HOST}: ${HOST}\n${HOST}: bash\n`);
    expect(await takeStarts()).toEqual({ root: 1, fleet: 0 });
  });

  it('fleet exec --sudo as a user with a password: one shell start, and the command runs as root', async () => {
    const cwd = scratchDir('shells');
    await takeStarts();
    const r = await runFleet(lab, ['exec', '--sudo', '-n', `fleet@${HOST}`, '--', 'id -un'], {
      cwd,
      env: { FLEET_SSH_PASSWORD: PASSWORD },
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${HOST}: root\n`);
    expect(await takeStarts()).toEqual({ root: 0, fleet: 1 });
  });

  it('fleet facts gathers a host with one shell start (remote/facts.sh on stdin of the login shell)', async () => {
    const cwd = scratchDir('shells');
    await takeStarts();
    const r = await runFleet(lab, ['facts', '--json', HOST], { cwd });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toBeTruthy();
    expect(await takeStarts()).toEqual({ root: 1, fleet: 0 });
  });

  it("fleet up reads facts.sh in the cluster lock's shell: one shell start for the whole run", async () => {
    const cwd = scratchDir('shells');
    lab.writeInventory(join(cwd, 'nodes.yml'));
    await takeStarts();
    const r = await runFleet(lab, ['up'], { cwd });
    expect(r.exitCode, r.stderr).toBe(0);
    // The lock's shell (facts.sh ran inside it); the engine is reached over a stream-local channel,
    // which starts no shell, and one host has no swarm ports to probe. It was two: lock, then facts.
    expect(await takeStarts()).toEqual({ root: 1, fleet: 0 });
    const left = await runFleet(lab, ['down', '--yes'], { cwd });
    expect(left.exitCode, left.stderr).toBe(0);
  });

  it('fleet up on an engine whose data lives elsewhere than daemon.json says reads facts.sh again, in full', async () => {
    // The lock's facts.sh skips the docker CLI and looks at the configured root's disk; the engine's
    // /info names another root (dockerd started with --data-root), so the probe runs facts.sh again
    // for the disk the Raft log would really live on: one more shell start, on this host only.
    const cwd = scratchDir('shells');
    lab.writeInventory(join(cwd, 'nodes.yml'));
    await lab.exec(
      HOST,
      `mkdir -p /etc/docker && echo '{"data-root": "/srv/not-used"}' > /etc/docker/daemon.json`,
    );
    try {
      await takeStarts();
      const r = await runFleet(lab, ['up'], { cwd });
      expect(r.exitCode, r.stderr).toBe(0);
      expect(await takeStarts()).toEqual({ root: 2, fleet: 0 });
    } finally {
      await lab.exec(HOST, 'rm -f /etc/docker/daemon.json');
    }
    const left = await runFleet(lab, ['down', '--yes'], { cwd });
    expect(left.exitCode, left.stderr).toBe(0);
  });

  it('--timeout still kills the remote command itself when it runs in the login shell', async () => {
    const cwd = scratchDir('shells');
    const r = await runFleet(lab, ['exec', '-n', HOST, '--timeout', '2', '--', 'sleep 303; echo late'], {
      cwd,
    });
    expect(r.exitCode, r.stderr).toBe(3);
    expect(r.stdout).not.toContain('late');
    const left = await lab.exec(HOST, "ps -eo args= | grep -E 'sleep 30[3]' || true");
    expect(left.stdout.trim()).toBe('');
  });
});
