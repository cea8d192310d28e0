/**
 * The lab's contract: real hosts (network namespace + own mount/UTS namespace + OpenSSH + optionally a
 * Docker engine) on this machine. Tests, benchmarks and the demo use only this API.
 */
export interface LabHostSpec {
  name: string;
  /** Full host with a Docker engine (default true); false = light host, sshd only. */
  docker?: boolean;
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
}

export interface LabHost {
  name: string;
  ip: string;
  port: number;
  netns: string;
  docker: boolean;
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
  /** Working folder: keys, known_hosts, ssh config, per-host state. */
  dir: string;
  /** A HOME with .ssh/{id_ed25519,known_hosts,config} for running fleet / ssh / pdsh against the lab. */
  home: string;
  userKeyFile: string;
  knownHostsFile: string;
  /** Writes a nodes.yml for these hosts (optionally a subset) and returns its path. */
  writeInventory(path?: string, names?: string[]): string;
  /** Runs a shell command inside the host (its namespaces), as root, without SSH. */
  exec(host: string, command: string): Promise<LabExecResult>;
  stopHost(host: string): Promise<void>;
  startHost(host: string): Promise<void>;
  cutLink(host: string): Promise<void>;
  restoreLink(host: string): Promise<void>;
  stopDocker(host: string): Promise<void>;
  startDocker(host: string): Promise<void>;
  /** Replaces a host's SSH host key (for host-key-changed tests). */
  rotateHostKey(host: string): Promise<void>;
  down(): Promise<void>;
}
