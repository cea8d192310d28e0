/**
 * The local lab: real hosts on this machine, each a network + mount + UTS + pid namespace with its own
 * OpenSSH server and (full hosts) its own Docker engine, on a per-lab bridge 10.77.<subnet>.0/24.
 * See types.ts for the contract; README of the lab: `npm run lab -- help`.
 */
import { constants, promises as fs } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cleanupLab } from './cleanup.js';
import {
  addPasswordUser,
  prepareHostFiles,
  hostMust,
  startInit,
  type HostRuntime,
  type LabContext,
} from './host.js';
import { removeHostDocker } from './installs.js';
import { ensureNeighbourRoom } from './neighbours.js';
import { ensureSystemSshSnippet, makeClientKeys, writeKnownHosts, writeSshConfig } from './keys.js';
import { loadState, makeLab, saveState, type LabState } from './lab.js';
import {
  bridgeName,
  defaultType,
  gatewayIp,
  hostIp,
  labDir,
  MAX_HOSTS,
  slottedId,
  slottedSubnet,
  netnsName,
  validateHostName,
  validateId,
  validateSubnet,
  vethName,
} from './names.js';
import { LabError, must, pool, waitFor } from './proc.js';
import { bashrcFor, resolveProfile } from './profile.js';
import { waitTcp } from './tcp.js';
import type { Lab, LabHostSpec, LabOptions } from './types.js';

export { cleanupAll, cleanupLab } from './cleanup.js';
export type * from './types.js';

const SHIM_SOURCE = fileURLToPath(new URL('./assets/systemctl', import.meta.url));
const JOURNALCTL_SOURCE = fileURLToPath(new URL('./assets/journalctl', import.meta.url));
const PATH_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

async function findCommand(cmd: string): Promise<boolean> {
  for (const d of PATH_DIRS) {
    if (
      await fs.access(`${d}/${cmd}`, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return true;
  }
  return false;
}

async function checkPrerequisites(needDocker: boolean, needPassword: boolean): Promise<void> {
  if (process.getuid?.() !== 0) throw new LabError('lab: must run as root (it creates network namespaces)');
  const cmds = ['ip', 'nsenter', 'unshare', 'tini', 'sshd', 'mount', 'setsid'];
  if (needDocker) cmds.push('dockerd', 'containerd', 'runc', 'docker');
  if (needPassword) cmds.push('useradd', 'chpasswd', 'sudo');
  const missing: string[] = [];
  for (const c of cmds) if (!(await findCommand(c))) missing.push(c);
  if (missing.length > 0) {
    throw new LabError(
      `lab: missing ${missing.join(', ')}; run scripts/install-system-deps.sh (as root) first`,
    );
  }
}

function expandSpecs(opts: LabOptions): LabHostSpec[] {
  const specs = [...opts.hosts];
  for (let i = 1; i <= (opts.light ?? 0); i++) {
    specs.push({ name: `light-${String(i).padStart(3, '0')}`, docker: false });
  }
  if (specs.length > MAX_HOSTS)
    throw new LabError(`lab: ${specs.length} hosts; a /24 lab holds at most ${MAX_HOSTS}`);
  const seen = new Set<string>();
  for (const s of specs) {
    validateHostName(s.name);
    if (seen.has(s.name)) throw new LabError(`lab: host name '${s.name}' appears twice`);
    seen.add(s.name);
  }
  return specs;
}

/** Pool sizes: dockerd start-up is CPU-bound, sshd start-up is not. */
const FULL_POOL = Number(process.env.FLEET_LAB_POOL_FULL ?? 6);
const LIGHT_POOL = Number(process.env.FLEET_LAB_POOL_LIGHT ?? 16);

export async function startLab(asWritten: LabOptions): Promise<Lab> {
  const opts = { ...asWritten, id: slottedId(asWritten.id), subnet: slottedSubnet(asWritten.subnet) };
  validateId(opts.id);
  validateSubnet(opts.subnet);
  const specs = expandSpecs(opts);
  await checkPrerequisites(
    specs.some((s) => s.docker !== false),
    opts.password !== undefined,
  );
  const t0 = Date.now();
  await cleanupLab(opts.id);
  try {
    return await build(opts, specs, t0);
  } catch (e) {
    if (process.env.FLEET_LAB_KEEP !== '1') await cleanupLab(opts.id).catch(() => undefined);
    throw e;
  }
}

async function build(opts: LabOptions, specs: LabHostSpec[], t0: number): Promise<Lab> {
  const { id, subnet } = opts;
  const profile = resolveProfile(opts.profile);
  const dir = labDir(id);
  await fs.mkdir(`${dir}/hosts`, { recursive: true, mode: 0o700 });
  await fs.mkdir(`${dir}/bin`, { recursive: true });
  const shimFile = `${dir}/bin/systemctl`;
  await fs.copyFile(SHIM_SOURCE, shimFile);
  await fs.chmod(shimFile, 0o755);
  // Beside it, the journalctl stand-in (host.ts mounts it over /usr/bin/journalctl when that exists).
  await fs.copyFile(JOURNALCTL_SOURCE, `${dir}/bin/journalctl`);
  await fs.chmod(`${dir}/bin/journalctl`, 0o755);
  const client = await makeClientKeys(dir, id);
  await ensureSystemSshSnippet();

  const hosts: HostRuntime[] = specs.map((s, index) => ({
    name: s.name,
    ip: hostIp(subnet, index),
    port: 22,
    netns: netnsName(id, s.name),
    veth: vethName(id, index),
    docker: s.docker !== false,
    ...(s.installs || s.nvidia ? { installs: true } : {}),
    ...(s.nvidia ? { nvidia: true } : {}),
    type: s.type ?? defaultType(s.name),
    ...(s.role ? { role: s.role } : {}),
    pid: 0,
    index,
    dir: `${dir}/hosts/${s.name}`,
    hostKeyPub: '',
  }));
  const state: LabState = {
    id,
    subnet,
    cidr: `10.77.${subnet}.0/24`,
    gatewayIp: gatewayIp(subnet),
    dir,
    home: client.home,
    userKeyFile: client.userKeyFile,
    encryptedKeyFile: client.encryptedKeyFile,
    knownHostsFile: client.knownHostsFile,
    sshConfigFile: client.sshConfigFile,
    startedAt: new Date(t0).toISOString(),
    profile,
    hosts,
  };
  await saveState(state);

  await ensureNeighbourRoom();
  const br = bridgeName(id);
  const batch = [
    // Bridged lab traffic bypasses iptables: on machines running Docker the FORWARD policy is DROP.
    `link add ${br} type bridge nf_call_iptables 0 nf_call_ip6tables 0 nf_call_arptables 0`,
    `addr add ${state.gatewayIp}/24 dev ${br}`,
    `link set ${br} up`,
    ...hosts.flatMap((h) => [
      `netns add ${h.netns}`,
      `link add ${h.veth} type veth peer name eth0 netns ${h.netns}`,
      `link set ${h.veth} master ${br} up`,
    ]),
  ];
  const tb = Date.now();
  await must('ip', ['-batch', '-'], { input: `${batch.join('\n')}\n` });
  if (process.env.FLEET_LAB_DEBUG) console.error('batch', Date.now() - tb);

  const ctx: LabContext = {
    id,
    dir,
    gatewayIp: state.gatewayIp,
    prefixLen: 24,
    authorizedKeys: client.authorizedKeys,
    hostsTable: hosts.map((h) => `${h.ip}\t${h.name}\n`).join(''),
    shimFile,
    withPassword: opts.password !== undefined,
    bashrc: bashrcFor(profile),
  };
  const prof: Record<string, number> = {};
  const tick = (k: string, t: number): void => {
    prof[k] = (prof[k] ?? 0) + Date.now() - t;
  };
  const bringUp = async (h: HostRuntime): Promise<void> => {
    let t = Date.now();
    prepareHostFiles(ctx, h);
    tick('prepare', t);
    t = Date.now();
    await startInit(ctx, h);
    tick('init', t);
    t = Date.now();
    if (h.installs && !h.docker) await removeHostDocker((cmd, o) => hostMust(h, cmd, o));
    if (h.docker || h.installs) {
      // Reachable from the root namespace through the init's view of its own /run.
      h.dockerHost = `unix:///proc/${h.pid}/root/run/docker.sock`;
    }
    if (opts.password !== undefined) await addPasswordUser(h, opts.password, ctx.bashrc);
    // sshd was started by the init script; only the engine is left.
    if (h.docker) await makeLab(state, { keyPassphrase: client.keyPassphrase }).startDocker(h.name);
    tick('daemons', t);
    t = Date.now();
    await waitFor(`sshd of ${h.name} on ${h.ip}:22`, 20_000, () => waitTcp(h.ip, 22, 1000));
    tick('tcp', t);
  };
  await pool(
    hosts.filter((h) => h.docker),
    FULL_POOL,
    bringUp,
  );
  await pool(
    hosts.filter((h) => !h.docker),
    LIGHT_POOL,
    bringUp,
  );
  if (process.env.FLEET_LAB_DEBUG) console.error(prof);
  await writeKnownHosts(client.knownHostsFile, hosts);
  await writeSshConfig(client, hosts);
  state.startMs = Date.now() - t0;
  await saveState(state);
  return makeLab(state, { keyPassphrase: client.keyPassphrase, password: opts.password });
}

/** The Lab object of a lab started by another process (secrets are not available: keyPassphrase is ''). */
export function attachLab(asWritten: string): Lab {
  const id = slottedId(asWritten);
  validateId(id);
  return makeLab(loadState(id), { keyPassphrase: '' });
}
