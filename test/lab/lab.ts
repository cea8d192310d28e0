/**
 * The Lab object: host lookup, exec, fault controls and teardown over hosts that are already running.
 * Used both by startLab and by attachLab (a later process, e.g. `npm run lab -- down`).
 */
import { promises as fs, readFileSync } from 'node:fs';
import { cleanupLab } from './cleanup.js';
import { hostExec, hostMust, type HostRuntime } from './host.js';
import { writeInventoryFile } from './inventory.js';
import { newEd25519, writeKnownHosts } from './keys.js';
import { labDir } from './names.js';
import { LabError, must, run, sleep } from './proc.js';
import type { Lab, LabExecResult, LabProfile } from './types.js';

/** What a lab records about itself in <dir>/state.json; never secrets. */
export interface LabState {
  id: string;
  subnet: number;
  cidr: string;
  gatewayIp: string;
  dir: string;
  home: string;
  userKeyFile: string;
  encryptedKeyFile: string;
  knownHostsFile: string;
  sshConfigFile: string;
  startedAt: string;
  startMs?: number;
  /** Absent in the state of labs started before profiles existed: quick. */
  profile?: LabProfile;
  hosts: HostRuntime[];
}

export const stateFile = (dir: string): string => `${dir}/state.json`;

export async function saveState(s: LabState): Promise<void> {
  const tmp = `${stateFile(s.dir)}.tmp`;
  await fs.writeFile(tmp, `${JSON.stringify(s, null, 2)}\n`);
  await fs.rename(tmp, stateFile(s.dir));
}

export function loadState(id: string): LabState {
  const file = stateFile(labDir(id));
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LabState;
  } catch (e) {
    throw new LabError(`lab: no running lab '${id}' (cannot read ${file}: ${(e as Error).message})`);
  }
}

/** Builds a rootfs from the machine's busybox and the libraries it links, and imports it. */
const IMPORT_IMAGE = `set -e
command -v busybox >/dev/null || { echo "busybox is not installed (scripts/install-system-deps.sh)" >&2; exit 1; }
bb=$(command -v busybox)
d=$(mktemp -d)
mkdir -p "$d/bin" "$d/tmp" "$d/etc" "$d/root"
cp "$bb" "$d/bin/busybox"
for l in $(ldd "$bb" 2>/dev/null | grep -o '/[^ ]*'); do mkdir -p "$d$(dirname "$l")"; cp -L "$l" "$d$l"; done
for a in $(busybox --list); do [ -e "$d/bin/$a" ] || ln -s busybox "$d/bin/$a"; done
tar -C "$d" -c . | docker import -c 'CMD ["sh"]' -c 'ENV PATH=/bin' - 'TAG' >/dev/null
rm -rf "$d"`;

/** blockPort's route: a next hop (TEST-NET-1) whose MAC address, set by hand, no host has. */
const DROP_GATEWAY = '192.0.2.1';
const DROP_MAC = '02:00:00:00:de:ad';
const DROP_TABLE = '2377';
const dropRule = (port: number): string[] => [
  'pref',
  '100',
  'ipproto',
  'tcp',
  'dport',
  String(port),
  'lookup',
  DROP_TABLE,
];

/** Every process of the host except its init and the sleep it supervises, by walking /proc from init. */
async function hostProcesses(h: HostRuntime): Promise<number[]> {
  const parent = new Map<number, number>();
  const pidNs = await fs.readlink(`/proc/${h.pid}/ns/pid`).catch(() => '');
  const sameNs: number[] = [];
  for (const e of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const stat = await fs.readFile(`/proc/${e}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    parent.set(Number(e), ppid);
    if (pidNs && (await fs.readlink(`/proc/${e}/ns/pid`).catch(() => '')) === pidNs) sameNs.push(Number(e));
  }
  const isDescendant = (pid: number): boolean => {
    for (let p = parent.get(pid), n = 0; p !== undefined && p > 1 && n < 64; p = parent.get(p), n++) {
      if (p === h.pid) return true;
    }
    return false;
  };
  const result = new Set<number>(sameNs);
  for (const pid of parent.keys()) if (isDescendant(pid)) result.add(pid);
  result.delete(h.pid);
  for (const pid of [...result]) {
    const cmd = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmd === 'sleep\0infinity\0' && parent.get(pid) === h.pid) result.delete(pid);
  }
  return [...result];
}

export function makeLab(state: LabState, secrets: { keyPassphrase: string; password?: string }): Lab {
  const byName = new Map(state.hosts.map((h) => [h.name, h]));
  const host = (name: string): HostRuntime => {
    const h = byName.get(name);
    if (!h) {
      const names = state.hosts.map((x) => x.name);
      const shown = names.length > 8 ? `${names.slice(0, 8).join(', ')}, …` : names.join(', ');
      throw new LabError(`lab ${state.id}: no host '${name}' (hosts: ${shown})`);
    }
    return h;
  };
  const startDaemons = async (h: HostRuntime): Promise<void> => {
    await hostMust(h, h.docker ? 'systemctl start ssh && systemctl start docker' : 'systemctl start ssh');
  };

  const lab: Lab = {
    id: state.id,
    cidr: state.cidr,
    gatewayIp: state.gatewayIp,
    profile: state.profile ?? 'quick',
    hosts: state.hosts,
    dir: state.dir,
    home: state.home,
    userKeyFile: state.userKeyFile,
    knownHostsFile: state.knownHostsFile,
    sshConfigFile: state.sshConfigFile,
    encryptedKeyFile: state.encryptedKeyFile,
    keyPassphrase: secrets.keyPassphrase,
    password: secrets.password,
    env: { HOME: state.home },
    host,
    writeInventory(path?: string, names?: string[]): string {
      return writeInventoryFile(path ?? `${state.dir}/nodes.yml`, state.hosts, names);
    },
    exec(
      name: string,
      command: string,
      opts?: { input?: string; timeoutMs?: number },
    ): Promise<LabExecResult> {
      return hostExec(host(name), command, opts);
    },
    async stopHost(name: string): Promise<void> {
      const h = host(name);
      // Like pulling the plug: every process of the host dies at once, the namespaces stay.
      for (let round = 0; round < 20; round++) {
        const pids = await hostProcesses(h);
        if (pids.length === 0) return;
        for (const pid of pids) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // gone already
          }
        }
        await sleep(50);
      }
      throw new LabError(`lab: host ${name}: processes survive SIGKILL`);
    },
    async startHost(name: string): Promise<void> {
      await startDaemons(host(name));
    },
    async cutLink(name: string): Promise<void> {
      await must('ip', ['link', 'set', host(name).veth, 'down']);
    },
    async restoreLink(name: string): Promise<void> {
      await must('ip', ['link', 'set', host(name).veth, 'up']);
    },
    async throttleLink(name: string, mbit: number | null): Promise<void> {
      const dev = host(name).veth;
      if (mbit === null) {
        await run('tc', ['qdisc', 'del', 'dev', dev, 'root']);
        return;
      }
      if (!(mbit > 0)) throw new LabError(`lab: throttleLink ${name}: rate must be > 0 Mbit/s, got ${mbit}`);
      await must('tc', [
        'qdisc',
        'replace',
        'dev',
        dev,
        'root',
        'tbf',
        'rate',
        `${mbit}mbit`,
        'burst',
        '64kb',
        'latency',
        '400ms',
      ]);
    },
    async blockPort(name: string, port: number): Promise<void> {
      if (!Number.isInteger(port) || port < 1 || port > 65535) {
        throw new LabError(`lab: blockPort ${name}: bad TCP port ${port}`);
      }
      const ns = host(name).netns;
      // Policy routing in the host: its TCP packets to `port` take a table whose only route is via a
      // MAC address nobody on the bridge has, so they are dropped without an answer, like a silent
      // firewall. (This kernel builds in no tc drop action nor u32-free classifiers; CI has no
      // iptables.) Connections in flight stall; nothing is refused.
      await must('ip', [
        '-n',
        ns,
        'neigh',
        'replace',
        DROP_GATEWAY,
        'lladdr',
        DROP_MAC,
        'dev',
        'eth0',
        'nud',
        'permanent',
      ]);
      await must('ip', [
        '-n',
        ns,
        'route',
        'replace',
        'default',
        'via',
        DROP_GATEWAY,
        'dev',
        'eth0',
        'onlink',
        'table',
        DROP_TABLE,
      ]);
      await run('ip', ['-n', ns, 'rule', 'del', ...dropRule(port)]);
      await must('ip', ['-n', ns, 'rule', 'add', ...dropRule(port)]);
    },
    async unblockPort(name: string, port: number): Promise<void> {
      await run('ip', ['-n', host(name).netns, 'rule', 'del', ...dropRule(port)]);
    },
    async stopDocker(name: string): Promise<void> {
      const h = host(name);
      if (!h.docker) throw new LabError(`lab: host ${name} is a light host without Docker`);
      await hostMust(h, 'systemctl stop docker');
    },
    async startDocker(name: string): Promise<void> {
      const h = host(name);
      if (!h.docker) throw new LabError(`lab: host ${name} is a light host without Docker`);
      await hostMust(h, 'systemctl start docker');
    },
    async rotateHostKey(name: string): Promise<void> {
      const h = host(name);
      const key = newEd25519(`root@${h.name}`);
      // Written from inside the host: changing an overlay's upper layer underneath it is undefined.
      await hostMust(
        h,
        'umask 077 && cat > /etc/ssh/ssh_host_ed25519_key.new && mv /etc/ssh/ssh_host_ed25519_key.new /etc/ssh/ssh_host_ed25519_key',
        { input: key.private },
      );
      await hostMust(h, `printf '%s\\n' '${key.public}' > /etc/ssh/ssh_host_ed25519_key.pub`);
      await hostMust(h, 'systemctl restart ssh');
      h.hostKeyPub = key.public;
      await saveState(state);
    },
    async importImage(name: string, tag = 'fleet-lab/busybox:latest'): Promise<string> {
      const h = host(name);
      if (!h.docker) throw new LabError(`lab: host ${name} is a light host without Docker`);
      if (!/^[a-z0-9][a-z0-9._/:-]*$/.test(tag)) throw new LabError(`lab: importImage: bad tag '${tag}'`);
      await hostMust(h, IMPORT_IMAGE.replace('TAG', tag));
      return tag;
    },
    async refreshKnownHosts(): Promise<void> {
      await writeKnownHosts(state.knownHostsFile, state.hosts);
    },
    async down(): Promise<void> {
      await cleanupLab(state.id);
    },
  };
  return lab;
}
