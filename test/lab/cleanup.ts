/**
 * Teardown that needs no state: everything a lab makes is named after its id (see names.ts), so a
 * crashed or killed run is cleaned up exactly like a finished one. Each host's init is pid 1 of the
 * host's own pid namespace, so killing it takes every process of that host down with it (sessions,
 * dockerd, containerd, containers); mounts live only in the hosts' mount namespaces and vanish with them.
 */
import { promises as fs } from 'node:fs';
import { bridgeName, LAB_ROOT, labDir, PREFIX } from './names.js';
import { run, sleep } from './proc.js';

async function listNetns(): Promise<string[]> {
  const entries = await fs.readdir('/run/netns').catch(() => [] as string[]);
  return entries;
}

/** Pids whose network namespace is one of the given /run/netns entries (one pass over /proc). */
async function pidsInNetns(names: string[]): Promise<number[]> {
  const inodes = new Set<string>();
  for (const n of names) {
    const st = await fs.stat(`/run/netns/${n}`).catch(() => undefined);
    if (st) inodes.add(`net:[${st.ino}]`);
  }
  if (inodes.size === 0) return [];
  const pids: number[] = [];
  const self = process.pid;
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === self) continue;
    const link = await fs.readlink(`/proc/${entry}/ns/net`).catch(() => '');
    if (inodes.has(link)) pids.push(pid);
  }
  return pids;
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * Kills each host's init first (ending its whole pid namespace at once), which leaves far fewer
 * processes for the /proc scan. A recorded pid is trusted only while it is still inside that host's
 * network namespace, so a stale state file (after a reboot, say) never kills an unrelated process.
 */
async function killInits(id: string): Promise<void> {
  let hosts: { pid?: number; netns?: string }[] = [];
  try {
    hosts = (JSON.parse(await fs.readFile(`${labDir(id)}/state.json`, 'utf8')) as { hosts: typeof hosts })
      .hosts;
  } catch {
    return;
  }
  for (const h of hosts) {
    if (!h.pid || !h.netns) continue;
    const ns = await fs.stat(`/run/netns/${h.netns}`).catch(() => undefined);
    const link = await fs.readlink(`/proc/${h.pid}/ns/net`).catch(() => '');
    if (ns && link === `net:[${ns.ino}]`) kill(h.pid);
  }
}

async function listLinks(prefix: string): Promise<string[]> {
  const r = await run('ip', ['-o', 'link', 'show']);
  const names: string[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /^\d+:\s+([^:@\s]+)/.exec(line);
    if (m?.[1]?.startsWith(prefix)) names.push(m[1]);
  }
  return names;
}

/** Mount points of every cgroup hierarchy (v1 controllers and/or the v2 unified tree). */
async function cgroupMounts(): Promise<string[]> {
  const info = await fs.readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  const mounts: string[] = [];
  for (const line of info.split('\n')) {
    const [pre, post] = line.split(' - ');
    const type = post?.split(' ')[0];
    const point = pre?.split(' ')[4];
    if (point && (type === 'cgroup' || type === 'cgroup2')) mounts.push(point);
  }
  return mounts;
}

/** Removes the lab's container cgroups (empty once the hosts are dead), deepest first. */
async function removeCgroups(id: string): Promise<void> {
  const rmTree = async (dir: string): Promise<void> => {
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) if (e.isDirectory()) await rmTree(`${dir}/${e.name}`);
    const procs = await fs.readFile(`${dir}/cgroup.procs`, 'utf8').catch(() => '');
    for (const pid of procs.split('\n').filter(Boolean)) kill(Number(pid));
    for (let i = 0; i < 20; i++) {
      const ok = await fs.rmdir(dir).then(
        () => true,
        (e: NodeJS.ErrnoException) => e.code === 'ENOENT',
      );
      if (ok) return;
      await sleep(50);
    }
  };
  for (const m of await cgroupMounts()) await rmTree(`${m}/fleet-lab/${id}`);
}

/** Kills every process in the lab's namespaces, then removes namespaces, links and the lab folder. */
export async function cleanupLab(id: string): Promise<void> {
  const prefix = `${PREFIX}${id}-`;
  const netns = (await listNetns()).filter((n) => n.startsWith(prefix));
  await killInits(id);
  for (let round = 0; round < 50; round++) {
    const pids = await pidsInNetns(netns);
    if (pids.length === 0) break;
    pids.forEach(kill);
    await sleep(round < 5 ? 20 : 100);
  }
  if (netns.length > 0) {
    await run('ip', ['-force', '-batch', '-'], { input: netns.map((n) => `netns delete ${n}\n`).join('') });
  }
  await removeCgroups(id);
  const links = await listLinks(prefix);
  // The bridge last: deleting it first would leave its ports dangling for a moment.
  links.sort((a, b) => Number(a === bridgeName(id)) - Number(b === bridgeName(id)));
  if (links.length > 0) {
    await run('ip', ['-force', '-batch', '-'], { input: links.map((l) => `link delete ${l}\n`).join('') });
  }
  await fs.rm(labDir(id), { recursive: true, force: true, maxRetries: 3 });
}

/** Ids of every lab that left anything behind: namespaces, links or folders. */
export async function listLabIds(): Promise<string[]> {
  const ids = new Set<string>();
  const fromName = (n: string): void => {
    if (!n.startsWith(PREFIX)) return;
    const id = n.slice(PREFIX.length).split('-')[0];
    if (id && /^[a-z0-9]{1,6}$/.test(id)) ids.add(id);
  };
  (await listNetns()).forEach(fromName);
  (await listLinks(PREFIX)).forEach(fromName);
  for (const d of await fs.readdir(LAB_ROOT).catch(() => [] as string[])) {
    if (/^[a-z0-9]{1,8}$/.test(d)) ids.add(d);
  }
  return [...ids].sort();
}

/** Removes every lab on this machine (anything named with the lab prefix). */
export async function cleanupAll(): Promise<string[]> {
  const ids = await listLabIds();
  for (const id of ids) await cleanupLab(id);
  return ids;
}
