/**
 * The pure parts of `fleet push` and `fleet pull`: where each local entry lands on a host (rsync's
 * rule for a trailing slash), the temp name a file is written under before it is renamed into place,
 * which files a host already has (sha256), and where a pulled file lands locally (LOCALDIR/<host>/…).
 */
import { posix } from 'node:path';
import { FleetError } from './errors.js';

/** One local file or directory, as the local walk found it. */
export interface LocalEntry {
  /** The SRC argument it came from (for messages). */
  source: string;
  /** Path below the source's root, '/'-separated; '' for the root itself. */
  rel: string;
  type: 'file' | 'directory';
  mode: number;
  /** Whole seconds since the epoch. */
  mtime: number;
  size: number;
  /** Files only. */
  sha256?: string;
  /**
   * Local files: device, inode, size, mtime and ctime when the walk saw the file. A file whose stamp
   * differs when it is read again changed since it was hashed (every host also checks the sha256).
   */
  stamp?: string;
  /**
   * The bytes to send, already in memory and hashed into `sha256`: a file fleet generated (a unit
   * file, a script), or a small local file the walk kept after hashing it.
   */
  content?: Buffer;
}

export interface LocalSource {
  /** The argument as given (a trailing '/' on a directory means "its contents"). */
  arg: string;
  type: 'file' | 'directory';
  /** The root first (rel ''), then everything below it. */
  entries: LocalEntry[];
}

/** A local entry with its absolute path on the host. */
export interface PlannedEntry extends LocalEntry {
  remote: string;
}

export interface PushPlan {
  entries: PlannedEntry[];
  /** The directory that must exist on the host before anything is written (created with --mkdir). */
  parent: string;
  files: number;
  bytes: number;
}

/** Characters the line-based remote scripts cannot carry in a path. */
const UNSAFE = /[\n\t\\]/;

export function checkRemotePath(path: string, what: string): string {
  if (!path.startsWith('/')) {
    throw new FleetError('usage', `${what} "${path}" must be an absolute path on the hosts`, {
      hint: 'e.g. /opt/app/ or /home/fleet/config.yml',
    });
  }
  if (UNSAFE.test(path)) {
    throw new FleetError('usage', `${what} "${path}" contains a newline, tab or backslash`, {
      hint: 'rename it; fleet refuses such names instead of mangling them',
    });
  }
  const normal = posix.normalize(path);
  return normal.length > 1 ? normal.replace(/\/+$/, '') : normal;
}

/**
 * Maps the sources onto DEST. DEST is a directory when it ends with '/', when there are several
 * sources, or when a source is a directory; a directory SRC lands as DEST/<name> unless written
 * with a trailing '/', which copies its contents into DEST (rsync's rule). A single file SRC and a
 * DEST without '/' makes DEST the file's path.
 */
export function planPush(sources: LocalSource[], dest: string): PushPlan {
  const destPath = checkRemotePath(dest, 'DEST');
  const destIsDir = dest.endsWith('/') || sources.length > 1 || sources.some((s) => s.type === 'directory');
  const entries: PlannedEntry[] = [];
  const seen = new Map<string, string>();
  for (const source of sources) {
    const contents = source.type === 'directory' && source.arg.endsWith('/');
    const base = posix.basename(source.arg.replace(/\/+$/, '')) || '/';
    const root = !destIsDir ? destPath : contents ? destPath : posix.join(destPath, base);
    for (const entry of source.entries) {
      if (contents && entry.rel === '') continue;
      const remote = entry.rel === '' ? root : posix.join(root, entry.rel);
      if (UNSAFE.test(remote)) {
        throw new FleetError(
          'usage',
          `${posix.join(source.arg, entry.rel)}: name contains a newline, tab or backslash`,
          {
            hint: 'rename the file, or leave it out of SRC',
          },
        );
      }
      const earlier = seen.get(remote);
      if (earlier !== undefined) {
        throw new FleetError('usage', `${remote} would be written from both ${earlier} and ${source.arg}`, {
          hint: 'push the two sources to different destinations',
        });
      }
      seen.set(remote, source.arg);
      entries.push({ ...entry, remote });
    }
  }
  const files = entries.filter((e) => e.type === 'file');
  return {
    entries,
    parent: destIsDir ? destPath : posix.dirname(destPath),
    files: files.length,
    bytes: files.reduce((sum, e) => sum + e.size, 0),
  };
}

/** What a host already has: sha256 of existing files, and the directories that exist. */
export interface RemoteState {
  sums: Map<string, string>;
  dirs: Set<string>;
}

export interface HostPlan {
  send: PlannedEntry[];
  skip: PlannedEntry[];
  /** Files (not directories) in `send`, and their bytes. */
  files: number;
  bytes: number;
}

/** Files whose sha256 matches are skipped (unless force); directories only when missing. */
export function planHost(plan: PushPlan, state: RemoteState, force: boolean): HostPlan {
  const send: PlannedEntry[] = [];
  const skip: PlannedEntry[] = [];
  for (const e of plan.entries) {
    const present = e.type === 'directory' ? state.dirs.has(e.remote) : state.sums.get(e.remote) === e.sha256;
    (present && !(force && e.type === 'file') ? skip : send).push(e);
  }
  const files = send.filter((e) => e.type === 'file');
  return { send, skip, files: files.length, bytes: files.reduce((sum, e) => sum + e.size, 0) };
}

/** The temp file a pushed file is written to, beside its destination: `.name.fleet-<nonce>`. */
export function tempPath(remote: string, nonce: string): string {
  return posix.join(posix.dirname(remote), `.${posix.basename(remote)}.fleet-${nonce}`);
}

/**
 * Parses the probe's answer: `f <sha256>  <path>` for a file, `d <path>` for a directory, as
 * remote/push-probe.sh prints them. Unknown lines are ignored (a login banner cannot reach stdout of
 * an exec channel, but a noisy profile could).
 */
export function parseRemoteState(text: string): RemoteState {
  const sums = new Map<string, string>();
  const dirs = new Set<string>();
  for (const line of text.split('\n')) {
    const file = /^f ([0-9a-f]{64}) {2}(\/.*)$/.exec(line);
    if (file) sums.set(file[2]!, file[1]!);
    else if (line.startsWith('d /')) dirs.add(line.slice(2));
  }
  return { sums, dirs };
}

/** A file a host offers for pull: its path on the host and sha256 there. */
export interface RemoteFile {
  path: string;
  sha256: string;
  /** Bytes, when the listing gave it (for the progress bars only). */
  size: number;
}

/**
 * remote/pull-list.sh's answer: `<sha256>  <path>` lines (sha256sum's output; names it had to
 * escape are refused), then `--sizes--` and `<size> <path>` lines (wc -c).
 */
export function parseRemoteSums(text: string, host: string): RemoteFile[] {
  const files: RemoteFile[] = [];
  const [sumsText = '', sizesText = ''] = text.split('\n--sizes--\n');
  const sizes = new Map<string, number>();
  for (const line of sizesText.split('\n')) {
    const m = /^\s*(\d+) (\/.*)$/.exec(line);
    if (m) sizes.set(m[2]!, Number(m[1]));
  }
  for (const line of sumsText.split('\n')) {
    if (line === '') continue;
    const m = /^([0-9a-f]{64}) [ *](\/.*)$/.exec(line);
    if (!m) {
      throw new FleetError(
        'usage',
        `${host}: cannot pull a file whose name has a newline or backslash: ${line.slice(0, 120)}`,
        {
          host,
          hint: 'rename it on the host or pull a directory without it',
        },
      );
    }
    files.push({ sha256: m[1]!, path: m[2]!, size: sizes.get(m[2]!) ?? 0 });
  }
  return files;
}

/**
 * Where a pulled file lands: LOCALDIR/<host>/<name of REMOTE>/<path below it> (rpdcp's layout).
 * Refuses any host path outside REMOTE or with '.'/'..' components, and host ids that are not a
 * plain folder name, so a host cannot make fleet write outside LOCALDIR/<host>/.
 */
export function pullLocalPath(
  localDir: string,
  host: string,
  remoteRoot: string,
  remotePath: string,
): string {
  if (host === '' || host === '.' || host === '..' || host.includes('/')) {
    throw new FleetError('usage', `host id "${host}" cannot be used as a folder name under ${localDir}`);
  }
  const root = remoteRoot === '/' ? '' : remoteRoot;
  if (remotePath !== remoteRoot && !remotePath.startsWith(`${root}/`)) {
    throw new FleetError('integrity', `${host} sent ${remotePath}, which is not under ${remoteRoot}`, {
      host,
    });
  }
  const below = remotePath === remoteRoot ? '' : remotePath.slice(root.length + 1);
  if (below.split('/').some((part) => part === '.' || part === '..' || (part === '' && below !== ''))) {
    throw new FleetError('integrity', `${host} sent a path with empty, "." or ".." parts: ${remotePath}`, {
      host,
    });
  }
  const name = posix.basename(remoteRoot) || 'root';
  return posix.join(localDir, host, name, below);
}
