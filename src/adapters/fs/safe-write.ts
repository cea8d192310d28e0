/**
 * Every local file fleet writes (reports, --outdir, discover's draft, role_assignments.json,
 * known_hosts, local backup objects) goes through here, because an atomic write renames a temp file
 * over its target: run as root with `--report /dev/null`, that replaced the system's /dev/null with a
 * regular file. So:
 *   - a regular file or a missing path is replaced atomically (temp file + rename), as before;
 *   - a character device (/dev/null, a terminal) or a FIFO (/dev/stdout into a pipe) is written in
 *     place, never renamed over; a FIFO nobody reads is refused instead of hanging fleet;
 *   - anything else (directory, block device, socket) is refused with a message naming it;
 *   - paths under /dev and /proc are never renamed over, whatever they resolve to.
 */
import {
  closeSync,
  constants,
  openSync,
  renameSync,
  statSync,
  writeFileSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { FleetError, type ErrorCode } from '../../core/errors.js';

export type PathKind = 'missing' | 'file' | 'char-device' | 'fifo' | 'directory' | 'block-device' | 'socket';

export interface SafeWriteOptions {
  /** Mode of a file fleet creates (an existing device or FIFO keeps its own). */
  mode?: number;
  /** Names the file in errors: "report", "--outdir file", "known_hosts file". */
  what?: string;
  /** Error code of a refusal (default 'usage': the path came from the user). */
  code?: ErrorCode;
}

/** What is at `path`, following symlinks (a link to /dev/null is a character device). */
export async function pathKind(path: string): Promise<PathKind> {
  try {
    return kindOf(await stat(path));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw err;
  }
}

/** pathKind for the synchronous writers (the streamed --outdir files, the second-Ctrl-C report). */
export function pathKindSync(path: string): PathKind {
  const info = statSync(path, { throwIfNoEntry: false });
  return info ? kindOf(info) : 'missing';
}

function kindOf(info: Stats): PathKind {
  if (info.isFile()) return 'file';
  if (info.isCharacterDevice()) return 'char-device';
  if (info.isFIFO()) return 'fifo';
  if (info.isDirectory()) return 'directory';
  if (info.isBlockDevice()) return 'block-device';
  return 'socket';
}

/** "a FIFO", "a directory", … for messages. */
export function describePathKind(kind: PathKind): string {
  return KIND_WORDS[kind];
}

const KIND_WORDS: Record<PathKind, string> = {
  missing: 'missing',
  file: 'a regular file',
  'char-device': 'a character device',
  fifo: 'a FIFO',
  directory: 'a directory',
  'block-device': 'a block device',
  socket: 'a socket',
};

/** True for /dev/... and /proc/... paths: special files live there, so nothing is renamed over them. */
function isSpecialTree(path: string): boolean {
  return /^\/(dev|proc)(\/|$)/.test(path);
}

/**
 * Writes `data` to `path`: atomically for a regular or missing file, in place for a character
 * device or a FIFO with a reader. Refuses (FleetError, code `options.code`) anything else.
 */
export async function writeFileSafely(
  path: string,
  data: string | Buffer,
  options: SafeWriteOptions = {},
): Promise<void> {
  const kind = await pathKind(path);
  if ((kind === 'file' || kind === 'missing') && !isSpecialTree(path)) {
    await writeFileAtomic(path, data, options.mode === undefined ? {} : { mode: options.mode });
    return;
  }
  await writeInPlace(path, kind, data, 'write', options);
}

/**
 * The synchronous twin for the one place that cannot wait (the report written on a second Ctrl-C,
 * just before exit): the same rules, except that a FIFO is skipped rather than risked, since nothing
 * may block there. Returns false when the path was left alone.
 */
export function writeFileSafelySync(path: string, data: string, mode = 0o600): boolean {
  const kind = pathKindSync(path);
  if (kind === 'missing' || kind === 'file') {
    if (isSpecialTree(path)) return false;
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, data, { mode });
    renameSync(temp, path);
    return true;
  }
  if (kind !== 'char-device') return false;
  const fd = openSync(path, constants.O_WRONLY | constants.O_NOCTTY);
  try {
    writeSync(fd, data);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Appends `data` (known_hosts): a regular or missing file as usual, a device or FIFO in place. */
export async function appendFileSafely(
  path: string,
  data: string,
  options: SafeWriteOptions = {},
): Promise<void> {
  const kind = await pathKind(path);
  if (kind === 'file' || kind === 'missing') {
    await appendFile(path, data, options.mode === undefined ? {} : { mode: options.mode });
    return;
  }
  await writeInPlace(path, kind, data, 'append', options);
}

/**
 * For data that must land in a regular file (backup objects): refuses anything that exists and is
 * not one, so a backup is never "written" into a device and lost.
 */
export async function assertRegularOrMissing(path: string, options: SafeWriteOptions = {}): Promise<void> {
  const kind = await pathKind(path);
  if (kind !== 'file' && kind !== 'missing') throw refusal(path, kind, options, 'needs a regular file');
}

async function writeInPlace(
  path: string,
  kind: PathKind,
  data: string | Buffer,
  how: 'write' | 'append',
  options: SafeWriteOptions,
): Promise<void> {
  if (kind === 'missing') throw refusal(path, kind, options, 'is not created under /dev or /proc');
  if (kind === 'file' || kind === 'char-device') {
    // A device, or /dev/stdout redirected to a file: write into what is there (appending to a file,
    // as the shell's own writes do), never create, truncate or rename over it.
    const append = how === 'append' || kind === 'file';
    const flags = constants.O_WRONLY | constants.O_NOCTTY | (append ? constants.O_APPEND : 0);
    const handle = await open(path, flags);
    try {
      await handle.writeFile(data);
    } finally {
      await handle.close();
    }
    return;
  }
  if (kind === 'fifo') {
    // Opening a FIFO for writing blocks until someone reads it: probe without blocking first, and
    // keep the probe open until the blocking descriptor is, or the reader would see EOF in between.
    let probe;
    try {
      probe = await open(path, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENXIO') {
        throw refusal(path, kind, options, 'has no reader; start the reader first, or pick a regular file');
      }
      throw err;
    }
    let handle;
    try {
      handle = await open(path, constants.O_WRONLY);
    } finally {
      await probe.close();
    }
    try {
      await handle.writeFile(data);
    } finally {
      await handle.close();
    }
    return;
  }
  throw refusal(path, kind, options, 'cannot be written');
}

function refusal(path: string, kind: PathKind, options: SafeWriteOptions, why: string): FleetError {
  const what = options.what ?? 'file';
  return new FleetError(options.code ?? 'usage', `${what} ${path} is ${KIND_WORDS[kind]} and ${why}`, {
    hint: 'fleet writes regular files (replaced atomically), character devices such as /dev/null and FIFOs with a reader',
  });
}

/**
 * A file written in pieces (a pulled file): the bytes go to a temp file beside `path`, and commit()
 * renames it into place with the given mode and mtime, so a reader never sees half a file and an
 * interrupted pull leaves the old one. Refuses a `path` that exists and is not a regular file.
 */
export interface StagedFile {
  write(chunk: Buffer): Promise<void>;
  commit(o: { mode: number; mtimeSeconds: number }): Promise<void>;
  /** Removes the temp file (safe to call after commit or twice). */
  abort(): Promise<void>;
}

export async function stageFile(path: string, options: SafeWriteOptions = {}): Promise<StagedFile> {
  const kind = await pathKind(path);
  if (kind !== 'file' && kind !== 'missing') throw refusal(path, kind, options, 'needs a regular file');
  const temp = join(
    dirname(path),
    `.${basename(path)}.fleet-${process.pid}-${randomBytes(3).toString('hex')}`,
  );
  const handle = await open(temp, 'wx', 0o600);
  let open_ = true;
  const closeHandle = async (): Promise<void> => {
    if (open_) {
      open_ = false;
      await handle.close();
    }
  };
  let done = false;
  return {
    async write(chunk) {
      await handle.write(chunk);
    },
    async commit({ mode, mtimeSeconds }) {
      await handle.chmod(mode & 0o7777);
      await handle.utimes(mtimeSeconds, mtimeSeconds);
      await closeHandle();
      await rename(temp, path);
      done = true;
    },
    async abort() {
      await closeHandle().catch(() => undefined);
      if (!done) await rm(temp, { force: true });
      done = true;
    },
  };
}

/** mkdir -p for folders fleet fills (pull's LOCALDIR/<host>/…). */
export async function makeFolder(path: string): Promise<void> {
  await mkdir(path, { recursive: true });
}
