/**
 * One lab host: its files (an overlay upper layer per system folder, so nothing reaches the real root
 * filesystem), its init process (pid 1 of its own pid namespace, inside its own network, mount and UTS
 * namespaces), and running commands inside it with nsenter.
 */
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, promises as fs, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { newEd25519 } from './keys.js';
import { HOST_ENV, LabError, run, type RunOptions } from './proc.js';
import { prepareInstalls } from './installs.js';
import type { LabExecResult, LabHost } from './types.js';

export interface HostRuntime extends LabHost {
  index: number;
  /** Per-host folder in the lab dir (overlay upper layers, bind-mount sources). */
  dir: string;
  hostKeyPub: string;
}

export interface LabContext {
  id: string;
  dir: string;
  gatewayIp: string;
  prefixLen: number;
  authorizedKeys: string;
  /** Lines for /etc/hosts: every lab host by name. */
  hostsTable: string;
  shimFile: string;
  withPassword: boolean;
  /** ~/.bashrc of every account for the lab's profile (profile.ts); undefined = none (quick). */
  bashrc?: string;
}

/** Folders that get a per-host overlay; only those that exist on this machine are mounted. */
const OVERLAYS = ['/etc', '/var', '/opt', '/srv', '/usr/local'];
/** Installing hosts also get their own /usr, mounted before /usr/local (whose overlay then sits on it). */
const overlaysOf = (h: { installs?: boolean }): string[] =>
  h.installs ? ['/etc', '/var', '/opt', '/srv', '/usr', '/usr/local'] : OVERLAYS;
const hasOwnDockerDir = (h: { docker: boolean; installs?: boolean }): boolean =>
  h.docker || h.installs === true;
export const DOCKERD_ARGS = '--iptables=false --bridge=none --storage-driver=vfs';
/** Containers' cgroups go under a per-lab parent, so teardown can remove them (see cleanup.ts). */
export const cgroupParent = (id: string, host: string): string => `/fleet-lab/${id}/${host}`;

const upperOf = (dir: string, target: string): string => `${dir}/up${target.replaceAll('/', '_')}`;
const workOf = (dir: string, target: string): string => `${dir}/work${target.replaceAll('/', '_')}`;

function sshdConfig(ip: string): string {
  return [
    '# fleet lab host: real OpenSSH, MaxSessions left at its default (10).',
    `ListenAddress ${ip}:22`,
    'HostKey /etc/ssh/ssh_host_ed25519_key',
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication yes',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    'UsePAM yes',
    'UseDNS no',
    'PrintMotd no',
    'PidFile /run/sshd.pid',
    'AcceptEnv LANG LC_*',
    'Subsystem sftp /usr/lib/openssh/sftp-server',
    '',
  ].join('\n');
}

export function writeHostKey(h: HostRuntime): void {
  const key = newEd25519(`root@${h.name}`);
  const sshDir = `${upperOf(h.dir, '/etc')}/ssh`;
  mkdirSync(sshDir, { recursive: true });
  writeFileSync(`${sshDir}/ssh_host_ed25519_key`, key.private, { mode: 0o600 });
  writeFileSync(`${sshDir}/ssh_host_ed25519_key.pub`, `${key.public}\n`);
  h.hostKeyPub = key.public;
}

/** Creates the host's folder: overlay layers pre-seeded with the files that make this host itself. */
// Synchronous on purpose: ~30 small file operations per host, and at 200 hosts queueing them on
// libuv's 4 threads costs more than doing them in place.
export function prepareHostFiles(ctx: LabContext, h: HostRuntime): void {
  const etc = upperOf(h.dir, '/etc');
  for (const t of overlaysOf(h)) {
    mkdirSync(upperOf(h.dir, t), { recursive: true });
    mkdirSync(workOf(h.dir, t), { recursive: true });
  }
  mkdirSync(`${h.dir}/root/.ssh`, { recursive: true, mode: 0o700 });
  mkdirSync(`${h.dir}/home`, { recursive: true });
  mkdirSync(`${h.dir}/tmp`, { recursive: true });
  // The host's own /run (a folder rather than a tmpfs: no mkdir process needed after mounting it).
  for (const sub of ['sshd', 'lock', 'user'])
    mkdirSync(`${h.dir}/run/${sub}`, { recursive: true, mode: 0o755 });
  chmodSync(`${h.dir}/tmp`, 0o1777);
  mkdirSync(`${etc}/fleet-lab`, { recursive: true });
  writeFileSync(`${etc}/hostname`, `${h.name}\n`);
  // No reachable resolver: name lookups fail at once instead of waiting for a server outside the lab.
  writeFileSync(`${etc}/resolv.conf`, 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n');
  writeFileSync(`${etc}/hosts`, `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n${ctx.hostsTable}`);
  writeHostKey(h);
  writeFileSync(`${etc}/ssh/sshd_config`, sshdConfig(h.ip));
  writeFileSync(
    `${etc}/fleet-lab/host.env`,
    `HOST_NAME=${h.name}\nHAS_DOCKER=${h.docker ? 1 : h.installs ? 'auto' : 0}\nDOCKERD_ARGS="${DOCKERD_ARGS} --cgroup-parent=${cgroupParent(ctx.id, h.name)}"\n`,
  );
  writeFileSync(`${h.dir}/root/.ssh/authorized_keys`, ctx.authorizedKeys, { mode: 0o600 });
  // root's login shell is bash (the lower /etc/passwd), which reads this for every SSH command.
  if (ctx.bashrc !== undefined) writeFileSync(`${h.dir}/root/.bashrc`, ctx.bashrc);
  if (ctx.withPassword) {
    mkdirSync(`${etc}/sudoers.d`, { recursive: true });
    // Password required: tests of `--sudo` must feed it on stdin.
    writeFileSync(`${etc}/sudoers.d/fleet-lab`, 'fleet ALL=(ALL:ALL) ALL\n', { mode: 0o440 });
  }
  // The host's own boot id (bind-mounted over the kernel's, which the whole machine shares): the
  // systemctl shim's `reboot` writes a new one, so fleet can tell that this host rebooted.
  if (!existsSync(`${h.dir}/boot_id`)) writeFileSync(`${h.dir}/boot_id`, `${randomUUID()}\n`);
  writeFileSync(`${h.dir}/fstab`, fstab(ctx, h));
  writeFileSync(`${h.dir}/ip.batch`, ipBatch(ctx, h));
  if (hasOwnDockerDir(h)) {
    mkdirSync(`${h.dir}/docker`, { recursive: true, mode: 0o710 });
    mkdirSync(`${upperOf(h.dir, '/var')}/lib/docker`, { recursive: true });
  }
  if (h.installs) prepareInstalls(upperOf(h.dir, '/usr'), upperOf(h.dir, '/etc'), h.nvidia === true);
}

/**
 * The host's mounts as an fstab, applied by one `mount -a` (one process instead of one per mount: at
 * 200 hosts, process start-up is what dominates). Order matters: /tmp comes last because the per-host
 * /tmp hides the lab folder that the other sources live in.
 */
function fstab(ctx: LabContext, h: HostRuntime): string {
  const d = h.dir;
  const lines = overlaysOf(h)
    .filter((t) => existsSync(t))
    .map((t) => `overlay ${t} overlay lowerdir=${t},upperdir=${upperOf(d, t)},workdir=${workOf(d, t)} 0 0`);
  if (hasOwnDockerDir(h)) lines.push(`${d}/docker /var/lib/docker none bind 0 0`);
  lines.push(
    `${d}/root /root none bind 0 0`,
    `${d}/home /home none bind 0 0`,
    `${ctx.shimFile} /usr/bin/systemctl none bind 0 0`,
    ...(existsSync('/usr/bin/journalctl')
      ? [`${dirname(ctx.shimFile)}/journalctl /usr/bin/journalctl none bind 0 0`]
      : []),
    `${d}/boot_id /proc/sys/kernel/random/boot_id none bind 0 0`,
    `${d}/run /run none bind 0 0`,
    `${d}/tmp /tmp none bind 0 0`,
  );
  return `${lines.join('\n')}\n`;
}

/**
 * Address on the lab subnet and deliberately no default route: whatever runs in a host (an engine
 * trying to pull from a registry, say) can reach only the lab's own addresses, even on machines that
 * forward IP traffic.
 */
function ipBatch(ctx: LabContext, h: HostRuntime): string {
  return ['link set lo up', `addr add ${h.ip}/${ctx.prefixLen} dev eth0`, 'link set eth0 up', ''].join('\n');
}

/**
 * The init script: network, mounts, hostname, sshd, then tini as pid 1 (it reaps orphaned daemons).
 * Shell built-ins wherever possible: every process costs start-up time when 200 hosts come up at once.
 */
function initScript(h: HostRuntime): string {
  return [
    'set -e',
    `ip -batch ${h.dir}/ip.batch`,
    // Every lab's netns files are mounts under /run/netns; detached here (private propagation: only in
    // this host) so dockerd, containerd and runc, which parse mountinfo often, see a short table.
    'if mountpoint -q /run/netns; then umount -l /run/netns; fi',
    `mount -a -T ${h.dir}/fstab`,
    `echo ${h.name} > /proc/sys/kernel/hostname`,
    // The same command line the systemctl shim uses, so `systemctl is-active ssh` sees it.
    '/usr/sbin/sshd -D -f /etc/ssh/sshd_config -E /var/log/sshd.log </dev/null >/dev/null 2>&1 &',
    'echo ready',
    'exec tini -- sleep infinity </dev/null >/dev/null 2>&1',
  ].join('\n');
}

/** Starts the host's init and returns once its namespaces are set up; fills h.pid. */
export async function startInit(ctx: LabContext, h: HostRuntime): Promise<void> {
  const child = spawn(
    'nsenter',
    [
      `--net=/run/netns/${h.netns}`,
      '--',
      'unshare',
      '--mount',
      '--uts',
      '--pid',
      '--fork',
      '--mount-proc',
      '--propagation',
      'private',
      '--',
      'sh',
      '-c',
      initScript(h),
    ],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: HOST_ENV },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new LabError(`lab: host ${h.name}: init did not come up in 20 s`)),
      20_000,
    );
    const done = (e?: Error): void => {
      clearTimeout(timer);
      if (e) reject(e);
      else resolve();
    };
    child.stdout.on('data', () => {
      if (out.includes('ready\n')) done();
    });
    child.on('error', (e) => done(new LabError(`lab: host ${h.name}: cannot start init: ${e.message}`)));
    child.on('exit', (code) => done(new LabError(`lab: host ${h.name}: init exited ${code}: ${err.trim()}`)));
  });
  child.stdout.destroy();
  child.stderr.destroy();
  child.removeAllListeners('exit');
  child.unref();
  // unshare --fork stays as the parent; the host's init is its only child.
  const children = await fs.readFile(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8');
  const pid = Number(children.trim().split(/\s+/)[0]);
  if (!pid) throw new LabError(`lab: host ${h.name}: cannot find the init process under pid ${child.pid}`);
  h.pid = pid;
}

export function nsenterArgs(h: LabHost): string[] {
  return [
    `--net=/run/netns/${h.netns}`,
    `--mount=/proc/${h.pid}/ns/mnt`,
    `--uts=/proc/${h.pid}/ns/uts`,
    `--pid=/proc/${h.pid}/ns/pid`,
    '--',
  ];
}

/** Runs `sh -c command` as root inside the host. */
export function hostExec(h: LabHost, command: string, opts: RunOptions = {}): Promise<LabExecResult> {
  return run('nsenter', [...nsenterArgs(h), 'sh', '-c', command], { env: HOST_ENV, ...opts });
}

export async function hostMust(h: LabHost, command: string, opts: RunOptions = {}): Promise<string> {
  const r = await hostExec(h, command, opts);
  if (r.code !== 0) {
    throw new LabError(
      `lab: host ${h.name}: \`${command}\` exited ${r.code}: ${(r.stderr || r.stdout).trim()}`,
    );
  }
  return r.stdout;
}

/**
 * Creates the non-root sudo user `fleet`; the password goes to chpasswd on stdin only. With a realistic
 * profile its login shell is bash with the profile's ~/.bashrc (else /bin/sh, which reads no rc file).
 */
export async function addPasswordUser(h: LabHost, password: string, bashrc?: string): Promise<void> {
  const shell = bashrc === undefined ? '/bin/sh' : '/bin/bash';
  const script = [
    'if ! id fleet >/dev/null 2>&1; then',
    `  if getent passwd 1000 >/dev/null; then useradd -m -U -s ${shell} fleet; else useradd -m -u 1000 -U -s ${shell} fleet; fi`,
    'fi',
    ...(bashrc === undefined
      ? []
      : [`cat > ~fleet/.bashrc <<'FLEET_LAB_RC'\n${bashrc}FLEET_LAB_RC`, 'chown fleet: ~fleet/.bashrc']),
    'chpasswd',
  ].join('\n');
  await hostMust(h, script, { input: `fleet:${password}\n` });
}
