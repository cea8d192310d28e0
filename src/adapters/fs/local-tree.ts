/**
 * The local side of `fleet push`: walks each SRC (files, directories recursively) and hashes every
 * file once (sha256 while reading it), so every host can be compared against the same sums. Small
 * files keep the bytes that were hashed (LocalEntry.content, up to KEEP_TOTAL in all): every host is
 * sent those, instead of each host's tar stream opening and reading the file again
 * (ops/shared/push-tar-stream.ts reads and re-checks only the larger ones).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Stats } from 'node:fs';
import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FleetError } from '../../core/errors.js';
import type { LocalEntry, LocalSource } from '../../core/transfer-plan.js';

/** A file up to this size keeps its bytes in memory after hashing … */
const KEEP_FILE = 1024 * 1024;
/** … while all kept bytes together stay under this. */
const KEEP_TOTAL = 64 * 1024 * 1024;
/** Files hashed at once: each small file is four thread-pool round trips (open, stat, read, close). */
const HASH_CONCURRENCY = 8;

export interface WalkOptions {
  /** Things that are not pushed (sockets, FIFOs, symlinks to directories), one sentence each. */
  warn(message: string): void;
  signal?: AbortSignal;
}

/** Every source with its entries and sums; a missing or unreadable SRC is a usage error naming it. */
export async function walkSources(args: string[], o: WalkOptions): Promise<LocalSource[]> {
  const sources: LocalSource[] = [];
  for (const arg of args) {
    const info = await stat(arg).catch((err: NodeJS.ErrnoException) => {
      throw new FleetError(
        'usage',
        `SRC ${arg}: ${err.code === 'ENOENT' ? 'no such file or directory' : err.message}`,
        {
          hint: 'check the path (relative paths are taken from the current folder)',
        },
      );
    });
    if (!info.isFile() && !info.isDirectory()) {
      throw new FleetError('usage', `SRC ${arg} is neither a regular file nor a directory`);
    }
    const entries: LocalEntry[] = [];
    await addEntry(arg, arg, '', entries, o);
    sources.push({ arg, type: info.isDirectory() ? 'directory' : 'file', entries });
  }
  await hashFiles(
    sources.flatMap((s) => s.entries.filter((e) => e.type === 'file')),
    o,
  );
  return sources;
}

/** Fills in each file's sha256 (and, for small files within the budget, its bytes), a few at a time. */
async function hashFiles(files: LocalEntry[], o: WalkOptions): Promise<void> {
  let budget = KEEP_TOTAL;
  const keep = files.map((f) => {
    const kept = f.size <= KEEP_FILE && f.size <= budget;
    if (kept) budget -= f.size;
    return kept;
  });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const i = next++;
      const f = files[i]!;
      if (o.signal?.aborted) throw new FleetError('interrupted', 'interrupted while reading the local files');
      const path = f.rel === '' ? f.source : join(f.source, f.rel);
      if (keep[i] && f.size > 0) {
        const content = (await readFile(path)).subarray(0, f.size);
        if (content.length !== f.size) throw shrunk(path);
        f.content = content;
        f.sha256 = createHash('sha256').update(content).digest('hex');
      } else f.sha256 = await hashFile(path, f.size);
    }
  };
  await Promise.all(Array.from({ length: Math.min(HASH_CONCURRENCY, files.length) }, worker));
}

function shrunk(path: string): FleetError {
  return new FleetError('integrity', `${path} changed while it was being read`, {
    hint: 'push it again once nothing writes to it',
  });
}

async function addEntry(
  source: string,
  path: string,
  rel: string,
  out: LocalEntry[],
  o: WalkOptions,
): Promise<void> {
  if (o.signal?.aborted) throw new FleetError('interrupted', 'interrupted while reading the local files');
  let info = await lstat(path);
  if (info.isSymbolicLink()) {
    info = await stat(path).catch(() => info);
    if (info.isDirectory() && rel !== '') {
      o.warn(`${path}: symbolic link to a directory, not followed`);
      return;
    }
  }
  const base = { source, rel, mode: info.mode & 0o7777, mtime: Math.floor(info.mtimeMs / 1000) };
  if (info.isDirectory()) {
    out.push({ ...base, type: 'directory', size: 0 });
    const names = (await readdir(path)).sort();
    for (const name of names) await addEntry(source, join(path, name), rel ? `${rel}/${name}` : name, out, o);
  } else if (info.isFile()) {
    out.push({ ...base, type: 'file', size: info.size, stamp: changeStamp(info) });
  } else {
    o.warn(`${path}: not a regular file or directory, not pushed`);
  }
}

/** What changes whenever a file's bytes do (ctime moves on every write; a program cannot set it). */
export function changeStamp(info: Stats): string {
  return `${info.dev}:${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`;
}

/** sha256 of the first `size` bytes (the size the tar header will announce). */
export async function hashFile(path: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  // One read for small files: a stream per file costs more than the hashing (1000s of config files).
  if (size > 0 && size <= 1024 * 1024)
    return hash.update((await readFile(path)).subarray(0, size)).digest('hex');
  if (size > 0)
    for await (const chunk of createReadStream(path, { end: size - 1 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
