/**
 * The cluster lock's pure half: which hosts a run locks and in what order, the holder description
 * fleet leaves on each locked host, and the reading of remote/cluster-lock.sh's answer.
 * The SSH half is src/adapters/ssh/cluster-lock.ts; the reasoning is in docs/ARCHITECTURE.md.
 */
import type { HostTarget } from './host.js';

/** Who holds a lock: written on the host next to the lock file, shown to the run that has to wait. */
export interface LockHolder {
  /** The admin machine fleet runs on (os.hostname()). */
  host: string;
  user: string;
  /** fleet's pid on the admin machine. */
  pid: number;
  /** ISO time the lock was taken. */
  since: string;
  /** `fleet up`, `fleet backup`: the subcommand only, never its arguments (they could hold secrets). */
  command: string;
}

export type LockReply =
  | { state: 'held' }
  | { state: 'busy'; what: 'cluster'; holders: LockHolder[] }
  | { state: 'busy'; what: 'job'; detail: string }
  | { state: 'error'; message: string };

/**
 * The hosts a run locks: every selected host, plus the inventory's pinned managers (every inventory
 * host when none is pinned), so that two runs on the same inventory share at least one lock whatever
 * their selections. Deduplicated by address and sorted by address and port: every run takes the
 * locks in the same order, so two runs waiting for each other cannot deadlock.
 */
export function lockHosts(selected: HostTarget[], inventory: HostTarget[] = []): HostTarget[] {
  const pinned = inventory.filter((h) => h.role === 'manager');
  const anchors = pinned.length > 0 ? pinned : inventory;
  const byKey = new Map<string, HostTarget>();
  for (const h of [...selected, ...anchors]) {
    const key = lockKey(h);
    if (!byKey.has(key)) byKey.set(key, h);
  }
  return [...byKey.values()].sort(compareLockOrder);
}

/** A machine, whoever logs into it: the same host under two users or ids is one lock. */
function lockKey(h: HostTarget): string {
  return `${h.address.toLowerCase()}:${h.port}`;
}

function compareLockOrder(a: HostTarget, b: HostTarget): number {
  const ka = addressSortKey(a.address);
  const kb = addressSortKey(b.address);
  if (ka !== kb) return ka < kb ? -1 : 1;
  return a.port - b.port;
}

/** IPv4 addresses sort numerically (10.0.0.9 before 10.0.0.10); names sort after them, by text. */
function addressSortKey(address: string): string {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  if (!m) return `1${address.toLowerCase()}`;
  return `0${m
    .slice(1)
    .map((o) => o.padStart(3, '0'))
    .join('.')}`;
}

/** The one line fleet sends to the lock script; JSON so that no field can break the line format. */
export function holderLine(holder: LockHolder): string {
  return JSON.stringify(holder).replace(/[\r\n]/g, ' ');
}

/** Parses the lock script's stdout. Anything unexpected is an error naming what came back. */
export function parseLockReply(stdout: string): LockReply {
  const lines = stdout.split('\n').map((l) => l.trimEnd());
  const first = lines.find((l) => l.startsWith('fleet-lock '));
  if (!first) {
    const shown = stdout.trim().slice(0, 200);
    return {
      state: 'error',
      message: shown
        ? `unexpected answer from the lock script: ${shown}`
        : 'the lock script ended without an answer',
    };
  }
  const rest = first.slice('fleet-lock '.length);
  if (rest === 'held') return { state: 'held' };
  if (rest === 'busy cluster') {
    const holders: LockHolder[] = [];
    for (const line of lines) {
      const m = /^holder \d+ (.*)$/.exec(line);
      const holder = m ? parseHolder(m[1]!) : undefined;
      if (holder) holders.push(holder);
    }
    return { state: 'busy', what: 'cluster', holders };
  }
  if (rest === 'busy job') {
    const after = lines.slice(lines.indexOf(first) + 1).find((l) => l.trim() !== '');
    return { state: 'busy', what: 'job', detail: (after ?? '').trim().slice(0, 200) };
  }
  if (rest.startsWith('error ')) return { state: 'error', message: rest.slice('error '.length) };
  return { state: 'error', message: `unexpected answer from the lock script: ${first.slice(0, 200)}` };
}

function parseHolder(json: string): LockHolder | undefined {
  try {
    const v = JSON.parse(json) as Partial<LockHolder>;
    if (typeof v.host !== 'string' || typeof v.user !== 'string') return undefined;
    return {
      host: v.host,
      user: v.user,
      pid: typeof v.pid === 'number' ? v.pid : 0,
      since: typeof v.since === 'string' ? v.since : '?',
      command: typeof v.command === 'string' ? v.command : 'fleet',
    };
  } catch {
    return undefined;
  }
}

/** "fleet up by alice on laptop-a (pid 4242) since 2026-11-30T04:20:11Z" */
export function describeHolder(h: LockHolder): string {
  return `${h.command} by ${h.user} on ${h.host} (pid ${h.pid}) since ${h.since.replace(/\.\d+Z$/, 'Z')}`;
}

/** Why a host's lock is not ours, in words for the error or the "waiting" line. */
export function describeBusy(reply: Extract<LockReply, { state: 'busy' }>): string {
  if (reply.what === 'job') {
    return `a detached backup job is running (Docker may be stopped until it ends)${reply.detail ? `: ${reply.detail}` : ''}`;
  }
  if (reply.holders.length === 0) return 'held by another fleet run (it is just starting or ending)';
  return `held by ${reply.holders.map(describeHolder).join('; ')}`;
}
