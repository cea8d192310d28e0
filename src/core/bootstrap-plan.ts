/**
 * `fleet bootstrap`'s per-host plan, from what remote/bootstrap-probe.sh saw: install the Docker
 * engine when it is missing (the distribution's docker.io with apt, or .debs the user gave), merge
 * daemon.json (core/daemon-json.ts), put the user in the docker group when asked, and enable/start
 * Docker, or restart it when daemon.json changed under a running engine. An empty plan means the
 * host is already as wanted: a re-run changes nothing.
 */
import { describeChanges, mergeDaemonJson, parseDaemonJson, type DaemonJsonMerge } from './daemon-json.js';
import { FleetError } from './errors.js';
import { FSTAB, mergeFstab, nfsSource, type NfsMount } from './nfs-mounts.js';

export const DAEMON_JSON = '/etc/docker/daemon.json';

/** What the probe saw on one host. */
export interface BootstrapProbe {
  uid: number;
  user: string;
  os: string;
  apt: boolean;
  /** dpkg's status of docker.io, e.g. `ii` (installed), `rc` (removed, config kept), '' (unknown). */
  dockerPackage: string;
  /** Path of dockerd, when one is on PATH (Docker CE, a hand install). */
  dockerd?: string;
  dockerActive: boolean;
  dockerEnabled: boolean;
  nvidiaRuntime?: string;
  /** First GPU line (nvidia-smi -L, or the Jetson release), when the node has a GPU. */
  gpu?: string;
  dockerGroup: boolean;
  userInDockerGroup: boolean;
  /** daemon.json text; undefined when the file does not exist. */
  daemonJson?: string;
  daemonJsonUnreadable: boolean;
  /** /etc/fstab text; undefined when there is none. */
  fstab?: string;
  /** mount.nfs (nfs-common) is installed. */
  mountNfs: boolean;
  /** The --nfs mount points that are mounted now. */
  mounted: string[];
}

export function parseBootstrapProbe(text: string, host: string): BootstrapProbe {
  const kv = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) kv.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const uid = Number(kv.get('uid'));
  if (!Number.isInteger(uid)) {
    throw new FleetError('remote-exit', `bootstrap probe on ${host} printed no uid`, { host });
  }
  const b64 = kv.get('daemon_json');
  const fstab = kv.get('fstab');
  const mounted = text
    .split('\n')
    .filter((l) => l.startsWith('mounted='))
    .map((l) => l.slice('mounted='.length));
  return {
    uid,
    user: kv.get('user') ?? '',
    os: (kv.get('os') ?? 'unknown').trim(),
    apt: kv.get('apt') === '1',
    dockerPackage: kv.get('pkg.docker.io') ?? '',
    dockerd: kv.get('dockerd') || undefined,
    dockerActive: kv.get('docker.active') === 'active',
    dockerEnabled: kv.get('docker.enabled') === 'enabled',
    nvidiaRuntime: kv.get('nvidia_runtime') || undefined,
    gpu: kv.get('gpu') || undefined,
    dockerGroup: kv.get('group.docker') === '1',
    userInDockerGroup: kv.get('user.in_docker') === '1',
    daemonJson: b64 === undefined ? undefined : Buffer.from(b64, 'base64').toString('utf8'),
    daemonJsonUnreadable: kv.get('daemon_json.unreadable') === '1',
    fstab: fstab === undefined ? undefined : Buffer.from(fstab, 'base64').toString('utf8'),
    mountNfs: kv.get('mount_nfs') === '1',
    mounted,
  };
}

export interface BootstrapOptions {
  /** .deb file names pushed from --packages DIR (empty: install with apt). */
  debs: string[];
  dockerGroup: boolean;
  /** --nfs shares to put in /etc/fstab and mount (default none). */
  nfs?: NfsMount[];
}

export type BootstrapStep =
  | { kind: 'install'; source: 'apt' | 'debs'; debs: string[]; sentence: string }
  | { kind: 'daemon-json'; merge: DaemonJsonMerge; backup: boolean; sentence: string; diff: string[] }
  | { kind: 'docker-group'; user: string; sentence: string }
  | { kind: 'start'; enable: boolean; sentence: string }
  | { kind: 'enable'; sentence: string }
  | { kind: 'restart'; sentence: string }
  | { kind: 'nfs-client'; source: 'apt' | 'debs'; sentence: string }
  | { kind: 'fstab'; text: string; backup: boolean; sentence: string; changes: string[] }
  | { kind: 'mount'; mount: NfsMount; sentence: string };

export interface HostBootstrapPlan {
  steps: BootstrapStep[];
  /** The engine will run with the NVIDIA runtime as its default. */
  nvidiaDefault: boolean;
  /** Why the NVIDIA default runtime is not set, for a note (GPU without runtime, say). */
  notes: string[];
}

export function dockerInstalled(p: BootstrapProbe): boolean {
  return p.dockerPackage.startsWith('i') || p.dockerd !== undefined;
}

export function planHostBootstrap(p: BootstrapProbe, o: BootstrapOptions, host: string): HostBootstrapPlan {
  const steps: BootstrapStep[] = [];
  const notes: string[] = [];
  const installed = dockerInstalled(p);
  if (!installed) {
    if (o.debs.length > 0) {
      steps.push({
        kind: 'install',
        source: 'debs',
        debs: o.debs,
        sentence: `install the Docker engine from ${o.debs.length} .deb files (${o.debs.join(', ')})`,
      });
    } else if (p.apt) {
      steps.push({
        kind: 'install',
        source: 'apt',
        debs: [],
        sentence: 'install the Docker engine: apt-get install docker.io',
      });
    } else {
      throw new FleetError('usage', `${host} has no Docker engine and no apt-get (${p.os})`, {
        host,
        hint: "install Docker with the distribution's own tools, or give .debs with --packages DIR",
      });
    }
  }
  if (p.daemonJsonUnreadable) {
    throw new FleetError('remote-exit', `${host}: ${DAEMON_JSON} is not readable by ${p.user}`, {
      host,
      hint: 'make it world-readable (mode 0644), as Docker packages install it',
    });
  }
  const nvidiaDefault = p.nvidiaRuntime !== undefined && p.gpu !== undefined;
  if (p.gpu !== undefined && p.nvidiaRuntime === undefined) {
    notes.push(
      `GPU (${p.gpu}) but no nvidia-container-runtime: default runtime left alone (install nvidia-container-toolkit, or nvidia-docker2 on JetPack)`,
    );
  }
  const merge = mergeDaemonJson(parseDaemonJson(p.daemonJson, `${host}:${DAEMON_JSON}`), { nvidiaDefault });
  if (merge.text !== undefined) {
    const diff = describeChanges(merge.changes);
    steps.push({
      kind: 'daemon-json',
      merge,
      backup: p.daemonJson !== undefined,
      diff,
      sentence: `${p.daemonJson !== undefined ? 'merge' : 'write'} ${DAEMON_JSON} (${diff.length} ${diff.length === 1 ? 'change' : 'changes'}${p.daemonJson !== undefined ? ', the old file kept as a backup' : ''})`,
    });
  }
  if (o.dockerGroup && p.uid !== 0 && !p.userInDockerGroup) {
    steps.push({ kind: 'docker-group', user: p.user, sentence: `add ${p.user} to the docker group` });
  }
  if (!installed || !p.dockerActive) {
    steps.push({
      kind: 'start',
      enable: !installed || !p.dockerEnabled,
      sentence: `${!installed || !p.dockerEnabled ? 'enable and ' : ''}start docker`,
    });
  } else {
    if (!p.dockerEnabled) steps.push({ kind: 'enable', sentence: 'enable docker at boot' });
    if (merge.text !== undefined) {
      steps.push({ kind: 'restart', sentence: 'restart docker to apply daemon.json' });
    }
  }
  steps.push(...planNfs(p, o.nfs ?? [], o.debs, host));
  return { steps, nvidiaDefault, notes };
}

/** --nfs: the NFS client when missing, the fstab merge (core/nfs-mounts.ts), a mount per share not mounted. */
function planNfs(p: BootstrapProbe, mounts: NfsMount[], debs: string[], host: string): BootstrapStep[] {
  if (mounts.length === 0) return [];
  const steps: BootstrapStep[] = [];
  if (!p.mountNfs) {
    // Air-gapped: nfs-common's .deb (and what it needs) in --packages DIR, installed with the rest.
    const deb = debs.find((d) => /^nfs-common_.*\.deb$/.test(d));
    if (deb) {
      steps.push({ kind: 'nfs-client', source: 'debs', sentence: `install the NFS client from ${deb}` });
    } else if (p.apt) {
      steps.push({
        kind: 'nfs-client',
        source: 'apt',
        sentence: 'install the NFS client: apt-get install nfs-common',
      });
    } else {
      throw new FleetError('usage', `${host} has no NFS client (mount.nfs) and no apt-get (${p.os})`, {
        host,
        hint: 'put nfs-common and its missing dependencies in --packages DIR, or install the NFS client yourself',
      });
    }
  }
  const merge = mergeFstab(p.fstab, mounts, `${host}:${FSTAB}`);
  if (merge.text !== undefined) {
    const backup = p.fstab !== undefined;
    steps.push({
      kind: 'fstab',
      text: merge.text,
      backup,
      changes: merge.changes,
      sentence: `${backup ? 'merge' : 'write'} ${FSTAB}: ${merge.changes.join('; ')}${backup ? ' (the old file kept as a backup)' : ''}`,
    });
  }
  for (const m of mounts) {
    if (p.mounted.includes(m.local)) continue;
    steps.push({ kind: 'mount', mount: m, sentence: `mount ${nfsSource(m)} on ${m.local}` });
  }
  return steps;
}
