/**
 * `fleet bootstrap --nfs SRC:REMOTE:LOCAL`: shared mounts (a model folder the Spark exports, say) as
 * /etc/fstab entries with `_netdev,nofail` — `_netdev` so systemd waits for the network, `nofail` so
 * a server that is down never holds up the boot (the recovery unit's --wait-mount waits for it
 * instead). The file is merged, never rewritten: the user's lines stay as they are, an entry for the
 * same share at the same place gains only the options it lacks, and a mount point the user already
 * mounts from elsewhere is refused rather than replaced. Merging the merged text changes nothing.
 */
import { FleetError } from './errors.js';

export const FSTAB = '/etc/fstab';
/** Options every fleet NFS entry carries (added to a user's entry for the same share). */
export const NFS_REQUIRED_OPTIONS = ['_netdev', 'nofail'] as const;
const NFS_TYPES = new Set(['nfs', 'nfs4']);
/** The line above an entry fleet added, so a person reading fstab knows where it came from. */
export const FSTAB_MARK = '# added by fleet bootstrap --nfs';

export interface NfsMount {
  /** The server's address or name, as the node should dial it. */
  server: string;
  /** The exported path on the server. */
  remote: string;
  /** The mount point on the node. */
  local: string;
}

// fstab fields are separated by whitespace; a path with a space would need \040 escapes, which
// fleet does not write, so such paths are refused up front.
const PATH_RE = /^\/[^\s:]*$/;
const SERVER_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** `SRC:REMOTE:LOCAL` → NfsMount (SRC still as given: the CLI maps a nodes.yml name to its address). */
export function parseNfsSpec(spec: string): NfsMount {
  const parts = spec.split(':');
  const usage = (why: string): FleetError =>
    new FleetError('usage', `--nfs "${spec}": ${why}`, {
      hint: 'give SERVER:/exported/path:/local/mount/point, e.g. --nfs spark:/mnt/models:/mnt/spark-models',
    });
  if (parts.length !== 3) throw usage('expected three parts separated by ":"');
  const [server, remote, local] = parts as [string, string, string];
  if (!SERVER_RE.test(server)) throw usage(`"${server}" is not a host name or IPv4 address`);
  if (!PATH_RE.test(remote)) throw usage(`"${remote}" must be an absolute path without spaces`);
  if (!PATH_RE.test(local)) throw usage(`"${local}" must be an absolute path without spaces`);
  const m = { server, remote: trimSlash(remote), local: trimSlash(local) };
  if (m.local === '/') throw usage('the mount point cannot be /');
  return m;
}

/** Refuses two --nfs for the same mount point (the second would silently win). */
export function checkNfsMounts(mounts: NfsMount[]): NfsMount[] {
  const seen = new Set<string>();
  for (const m of mounts) {
    if (seen.has(m.local)) {
      throw new FleetError('usage', `--nfs: ${m.local} is given twice`, {
        hint: 'give one share per mount point',
      });
    }
    seen.add(m.local);
  }
  return mounts;
}

export function nfsSource(m: NfsMount): string {
  return `${m.server}:${m.remote}`;
}

export function nfsFstabLine(m: NfsMount): string {
  return `${nfsSource(m)} ${m.local} nfs defaults,${NFS_REQUIRED_OPTIONS.join(',')} 0 0`;
}

function trimSlash(p: string): string {
  return p.length > 1 ? p.replace(/\/+$/, '') || '/' : p;
}

/** fstab escapes: \040 (space), \011 (tab), \134 (backslash) in the first two fields. */
function unescapeField(f: string): string {
  return f.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

interface FstabEntry {
  index: number;
  fields: string[];
}

function entries(lines: string[]): FstabEntry[] {
  const out: FstabEntry[] = [];
  lines.forEach((line, index) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) return;
    out.push({ index, fields: t.split(/\s+/) });
  });
  return out;
}

export interface FstabMerge {
  /** The file to write; undefined when nothing changes. */
  text?: string;
  /** One sentence per change, for the plan and the report. */
  changes: string[];
}

/**
 * Merges the wanted NFS entries into fstab's text (undefined: no file yet). `where` names the file in
 * errors (`agx-01:/etc/fstab`).
 */
export function mergeFstab(current: string | undefined, mounts: NfsMount[], where: string): FstabMerge {
  const lines = (current ?? '').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const changes: string[] = [];
  for (const m of mounts) {
    const same = entries(lines).filter((e) => trimSlash(unescapeField(e.fields[1] ?? '')) === m.local);
    if (same.length > 1) {
      throw new FleetError(
        'remote-exit',
        `${where}: lines ${same.map((e) => e.index + 1).join(', ')} all mount ${m.local}`,
        { hint: 'keep one of them, then re-run' },
      );
    }
    const e = same[0];
    if (!e) {
      lines.push(FSTAB_MARK, nfsFstabLine(m));
      changes.push(`add ${nfsSource(m)} on ${m.local} (nfs, ${NFS_REQUIRED_OPTIONS.join(',')})`);
      continue;
    }
    const [source = '', , type = '', options = 'defaults', freq = '0', pass = '0'] = e.fields;
    const sameShare = NFS_TYPES.has(type) && trimSlash(unescapeField(source)) === nfsSource(m);
    if (!sameShare) {
      throw new FleetError(
        'remote-exit',
        `${where}:${e.index + 1}: ${m.local} is already mounted from ${source} (${type}); fleet does not replace it`,
        { hint: `remove that line or choose another mount point than ${m.local}` },
      );
    }
    const have = options.split(',');
    const missing = NFS_REQUIRED_OPTIONS.filter((o) => !have.includes(o));
    if (missing.length === 0) continue;
    // Only the options field changes; the user's own spelling of the rest is kept.
    lines[e.index] = [e.fields[0], e.fields[1], type, [...have, ...missing].join(','), freq, pass].join(' ');
    changes.push(`add ${missing.join(',')} to the options of ${m.local} (line ${e.index + 1})`);
  }
  if (changes.length === 0) return { changes };
  return { text: `${lines.join('\n')}\n`, changes };
}
