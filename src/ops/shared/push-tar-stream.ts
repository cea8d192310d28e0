/**
 * What one host receives on the receive channel's stdin: the manifest (remote/push-receive.sh's
 * format), then two tar archives in which each file is named by its temp path beside its
 * destination: the directories and small files (the host re-reads those for sha256 after
 * extracting: one sha256sum for all, from the page cache), then the large files (the host hashes
 * each while writing it, so a 50 MB file is not read a second time). The manifest's end line gives
 * both archives' lengths so the host can hand each to its own tar.
 * Each file is read and hashed again while it is sent: a file that changed since it was planned
 * stops the stream (the host then removes every temp file and keeps its old files).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { FleetError } from '../../core/errors.js';
import { encodeHeader, endOfArchive, entryBytes, padding, type TarHeader } from '../../core/tar.js';
import { tempPath, type PlannedEntry } from '../../core/transfer-plan.js';

export const MANIFEST_END = '--fleet-end--';
const CHUNK = 256 * 1024;
const SMALL_FILE = 1024 * 1024;
/** Files from this size on are hashed by the host while they land (the second archive). */
export const HASHED_WHILE_WRITING = 1024 * 1024;

/** Where each entry's bytes are read from: the SRC argument joined with the entry's rel path. */
function localPath(e: PlannedEntry): string {
  return e.rel === '' ? e.source : join(e.source, e.rel);
}

const landsHashed = (e: PlannedEntry): boolean => e.type === 'file' && e.size >= HASHED_WHILE_WRITING;

/** The two archives' entries: directories and small files, then the files hashed while written. */
export function splitArchives(send: PlannedEntry[]): [PlannedEntry[], PlannedEntry[]] {
  return [send.filter((e) => !landsHashed(e)), send.filter(landsHashed)];
}

function header(e: PlannedEntry, nonce: string, mode?: number): TarHeader {
  const path = e.type === 'file' ? tempPath(e.remote, nonce) : e.remote;
  return {
    path: path.replace(/^\/+/, ''),
    type: e.type,
    // A directory that does not exist yet is created by tar with the source's mode.
    mode: e.type === 'file' ? (mode ?? e.mode) : e.mode,
    mtime: e.mtime,
    size: e.size,
  };
}

/** Bytes of one archive of these entries (0 for none: the archive is then not sent at all). */
export function archiveBytes(entries: PlannedEntry[], nonce: string, mode?: number): number {
  if (entries.length === 0) return 0;
  return entries.reduce((n, e) => n + entryBytes(header(e, nonce, mode)), 0) + endOfArchive().length;
}

/**
 * Lines: `SHA256<TAB>TMP<TAB>FINAL` (a small file), `H<TAB>SHA256<TAB>TMP<TAB>FINAL` (a file of the
 * second archive), `D<TAB>PATH`; then `--fleet-end--<TAB>BYTES1<TAB>BYTES2`.
 */
export function manifest(send: PlannedEntry[], nonce: string, mode?: number): string {
  const [first, second] = splitArchives(send);
  const lines = send.map((e) =>
    e.type === 'directory'
      ? `D\t${e.remote}`
      : `${landsHashed(e) ? 'H\t' : ''}${e.sha256}\t${tempPath(e.remote, nonce)}\t${e.remote}`,
  );
  const end = `${MANIFEST_END}\t${archiveBytes(first, nonce, mode)}\t${archiveBytes(second, nonce, mode)}`;
  return `${lines.join('\n')}${lines.length ? '\n' : ''}${end}\n`;
}

/** The stdin of push-receive.sh; `onBytes` gets the file bytes sent so far (the progress bars). */
export function receiveInput(
  send: PlannedEntry[],
  nonce: string,
  o: { mode?: number; onBytes(done: number): void },
): Readable {
  let sent = 0;
  async function* archive(entries: PlannedEntry[]): AsyncGenerator<Buffer> {
    if (entries.length === 0) return;
    for (const e of entries) {
      yield encodeHeader(header(e, nonce, o.mode));
      if (e.type !== 'file') continue;
      const hash = createHash('sha256');
      let read = 0;
      for await (const buf of readLocal(localPath(e), e.size)) {
        hash.update(buf);
        read += buf.length;
        sent += buf.length;
        o.onBytes(sent);
        yield buf;
      }
      if (read !== e.size || hash.digest('hex') !== e.sha256) {
        throw new FleetError('integrity', `${localPath(e)} changed while it was being pushed`, {
          hint: 'push it again once nothing writes to it',
        });
      }
      const pad = padding(e.size);
      if (pad.length) yield pad;
    }
    yield endOfArchive();
  }
  async function* generate(): AsyncGenerator<Buffer> {
    yield Buffer.from(manifest(send, nonce, o.mode), 'utf8');
    const [first, second] = splitArchives(send);
    yield* archive(first);
    yield* archive(second);
  }
  return Readable.from(coalesce(generate()), { objectMode: false });
}

/** A small file in one read; a large one as a stream (never whole in memory). */
async function* readLocal(path: string, size: number): AsyncGenerator<Buffer> {
  if (size === 0) return;
  if (size <= SMALL_FILE) {
    yield (await readFile(path)).subarray(0, size);
    return;
  }
  for await (const chunk of createReadStream(path, { end: size - 1, highWaterMark: CHUNK }))
    yield chunk as Buffer;
}

/**
 * Gathers the many small pieces of a tree of small files (header, data, padding: three per file)
 * into chunks of about CHUNK bytes: each write to the channel costs an SSH packet and a syscall.
 */
async function* coalesce(parts: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  let held: Buffer[] = [];
  let size = 0;
  for await (const part of parts) {
    held.push(part);
    size += part.length;
    if (size >= CHUNK) {
      yield held.length === 1 ? part : Buffer.concat(held);
      held = [];
      size = 0;
    }
  }
  if (size > 0) yield Buffer.concat(held);
}
