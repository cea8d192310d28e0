/**
 * The lab's contract: real hosts (network namespace + own mount/UTS namespace + OpenSSH + optionally a
 * Docker engine) on this machine. Tests, benchmarks and the demo use only this API.
 */
import type { LabProfile } from './profile.js';

export type { LabProfile } from './profile.js';
export interface LabHostSpec {
  name: string;
  /** Full host with a Docker engine (default true); false = light host, sshd only. */
  docker?: boolean;
  /** Inventory role, written by writeInventory only when set. */
  role?: 'manager' | 'worker';
  /** Inventory type; default from the name: spark* dgx-spark, agx-* jetson-agx-xavier, pi* raspberry-pi, else x86. */
  type?: string;
  /**
   * Packages may be installed on this host: its own copy of /usr (a per-host overlay; /etc and /var,
   * so dpkg's database, are per-host overlays on every host) and a /usr/sbin/policy-rc.d that keeps
   * packages from starting services, so nothing installed replaces the machine's files or starts a
   * daemon outside the host. With `docker: false` the host's own view lacks Docker: docker.io is
   * removed from its dpkg database and its /usr (the machine's stay untouched), and the systemctl
   * shim knows a docker unit once /usr/sbin/dockerd exists again in the host.
   */
  installs?: boolean;
  /**
   * Presents an NVIDIA GPU and container runtime (implies `installs`): stand-ins for nvidia-smi and
   * nvidia-container-runtime (which runs runc) in the host's own /usr, registered in
   * /etc/docker/daemon.json the way nvidia-docker2 does, next to a user key (`max-concurrent-downloads`).
   */
  nvidia?: boolean;
}

export interface LabOptions {
  /** Short unique tag [a-z0-9]{1,6}; every namespace, link and file of this lab carries it. */
  id: string;
  /** Third octet of the lab subnet 10.77.<subnet>.0/24 (1..250); unique per concurrently running lab. */
  subnet: number;
  hosts: LabHostSpec[];
  /** Extra light hosts named light-001 … */
  light?: number;
  /** Create the non-root sudo user `fleet` with this password on every host (memory only). */
  password?: string;
  /**
   * Login-shell start-up of every account: `quick` (no ~/.bashrc), `realistic` (~/.bashrc burns ~100 ms
   * of CPU), `realistic-sleep` (~/.bashrc sleeps 0.1 s). Default: FLEET_LAB_PROFILE, else quick.
   */
  profile?: LabProfile;
}

export interface LabHost {
  name: string;
  ip: string;
  port: number;
  netns: string;
  docker: boolean;
  /** See LabHostSpec.installs / nvidia. */
  installs?: boolean;
  nvidia?: boolean;
  type: string;
  role?: 'manager' | 'worker';
  /** Root-namespace end of the host's veth pair (cutLink sets it down). */
  veth: string;
  /** Global pid of the host's init (pid 1 of its own pid namespace); its /proc/<pid>/ns/* are the host's namespaces. */
  pid: number;
  /** Full (and installing) hosts: the engine's socket as reachable from the root namespace (for dockerode / `docker -H`). */
  dockerHost?: string;
}

export interface LabExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface Lab {
  id: string;
  cidr: string;
  /** Root-namespace address on the lab bridge (where fleet connects from). */
  gatewayIp: string;
  hosts: LabHost[];
  /** The accounts' login-shell start-up profile this lab was started with (see LabOptions.profile). */
  profile: LabProfile;
  /** Working folder: keys, known_hosts, ssh config, per-host state. */
  dir: string;
  /** A HOME with .ssh/{id_ed25519,known_hosts,config} for running fleet / ssh / pdsh against the lab. */
  home: string;
  userKeyFile: string;
  knownHostsFile: string;
  /** <home>/.ssh/config: Host aliases for every lab host, User root, the lab key, StrictHostKeyChecking yes. */
  sshConfigFile: string;
  /** The same user key, encrypted with keyPassphrase (held in memory only, never written anywhere). */
  encryptedKeyFile: string;
  keyPassphrase: string;
  /** Password of the non-root sudo user `fleet` when LabOptions.password was given. */
  password?: string;
  /** Environment for running ssh / pdsh / clush / fleet against the lab: HOME=<home>. */
  env: Record<string, string>;
  /** Looks up a host by name; throws naming the lab's hosts when unknown. */
  host(name: string): LabHost;
  /** Writes a nodes.yml for these hosts (optionally a subset) and returns its path. */
  writeInventory(path?: string, names?: string[]): string;
  /** Runs a shell command inside the host (its namespaces), as root, without SSH. */
  exec(host: string, command: string, opts?: { input?: string; timeoutMs?: number }): Promise<LabExecResult>;
  stopHost(host: string): Promise<void>;
  startHost(host: string): Promise<void>;
  cutLink(host: string): Promise<void>;
  restoreLink(host: string): Promise<void>;
  /** Limits traffic towards the host to `mbit` Mbit/s (a tbf qdisc on its veth); null removes the limit. */
  throttleLink(host: string, mbit: number | null): Promise<void>;
  /**
   * Drops every TCP packet the host sends to `port` (any destination; policy routing inside the host):
   * its connections there stall like a silent firewall. Nothing else of the link changes.
   */
  blockPort(host: string, port: number): Promise<void>;
  /** Lets the host's packets to `port` through again (no-op when not blocked). */
  unblockPort(host: string, port: number): Promise<void>;
  stopDocker(host: string): Promise<void>;
  startDocker(host: string): Promise<void>;
  /** Replaces a host's SSH host key (for host-key-changed tests); known_hosts keeps the old key. */
  rotateHostKey(host: string): Promise<void>;
  /**
   * Full hosts: imports a small local image (busybox with its libraries, CMD sh) into the host's engine
   * as `tag` (default fleet-lab/busybox:latest) and returns the tag. Lab hosts cannot reach any registry.
   */
  importImage(host: string, tag?: string): Promise<string>;
  /** Rewrites known_hosts from the hosts' current keys (after rotateHostKey, to trust the new key). */
  refreshKnownHosts(): Promise<void>;
  down(): Promise<void>;
}
