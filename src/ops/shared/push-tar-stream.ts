/**
 * What one host receives on the receive channel's stdin: the manifest (remote/push-receive.sh's
 * format), then a tar stream in which each file is named by its temp path beside its destination.
 * A file whose bytes the walk kept in memory (small ones) is sent from there; a larger one is read
 * again for each host, and a file that changed since it was hashed stops the stream (the host then
 * removes every temp file and keeps its old files). That is told by the walk's stamp (inode, size,
 * mtime, ctime) before and after the read, not by hashing every host's read again: each host checks
 * the sha256 of what it wrote anyway, and a sha256 per host of every byte was ~8% of the client's
 * CPU (node --cpu-prof, 50 MB to 4 hosts). Entries without a stamp are hashed while they are read.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { changeStamp } from '../../adapters/fs/local-tree.js';
import { FleetError } from '../../core/errors.js';
import { encodeHeader, endOfArchive, padding } from '../../core/tar.js';
import { tempPath, type PlannedEntry } from '../../core/transfer-plan.js';

export const MANIFEST_END = '--fleet-end--';
const CHUNK = 256 * 1024;
const SMALL_FILE = 1024 * 1024;

/** Where each entry's bytes are read from: the SRC argument joined with the entry's rel path. */
function localPath(e: PlannedEntry): string {
  return e.rel === '' ? e.source : join(e.source, e.rel);
}

export function manifest(send: PlannedEntry[], nonce: string): string {
  const lines = send.map((e) =>
    e.type === 'directory' ? `D\t${e.remote}` : `${e.sha256}\t${tempPath(e.remote, nonce)}\t${e.remote}`,
  );
  return `${lines.join('\n')}${lines.length ? '\n' : ''}${MANIFEST_END}\n`;
}

/** The stdin of push-receive.sh; `onBytes` gets the file bytes sent so far (the progress bars). */
export function receiveInput(
  send: PlannedEntry[],
  nonce: string,
  o: { mode?: number; onBytes(done: number): void },
): Readable {
  async function* generate(): AsyncGenerator<Buffer> {
    yield Buffer.from(manifest(send, nonce), 'utf8');
    let sent = 0;
    for (const e of send) {
      const path = e.type === 'file' ? tempPath(e.remote, nonce) : e.remote;
      // A directory that does not exist yet is created by tar with the source's mode.
      const mode = e.type === 'file' ? (o.mode ?? e.mode) : e.mode;
      yield encodeHeader({
        path: path.replace(/^\/+/, ''),
        type: e.type,
        mode,
        mtime: e.mtime,
        size: e.size,
      });
      if (e.type !== 'file') continue;
      if (e.content) {
        // The very bytes that were hashed into e.sha256: nothing to read or check again.
        sent += e.content.length;
        o.onBytes(sent);
        if (e.content.length) yield e.content;
        const pad = padding(e.size);
        if (pad.length) yield pad;
        continue;
      }
      const hash = e.stamp === undefined ? createHash('sha256') : undefined;
      let read = 0;
      for await (const buf of readLocal(localPath(e), e.size, e.stamp)) {
        hash?.update(buf);
        read += buf.length;
        sent += buf.length;
        o.onBytes(sent);
        yield buf;
      }
      if (read !== e.size || (hash && hash.digest('hex') !== e.sha256)) throw changed(localPath(e));
      const pad = padding(e.size);
      if (pad.length) yield pad;
    }
    yield endOfArchive();
  }
  return Readable.from(coalesce(generate()), { objectMode: false });
}

function changed(path: string): FleetError {
  return new FleetError('integrity', `${path} changed while it was being pushed`, {
    hint: 'push it again once nothing writes to it',
  });
}

/** A small file in one read, a large one as a stream (never whole in memory); stamp checked around it. */
async function* readLocal(path: string, size: number, stamp: string | undefined): AsyncGenerator<Buffer> {
  if (size === 0) return;
  const file = await open(path, 'r');
  try {
    if (stamp !== undefined && changeStamp(await file.stat()) !== stamp) throw changed(path);
    if (size <= SMALL_FILE) yield (await file.readFile()).subarray(0, size);
    else {
      const chunks = file.createReadStream({
        start: 0,
        end: size - 1,
        highWaterMark: CHUNK,
        autoClose: false,
      });
      for await (const chunk of chunks) yield chunk as Buffer;
    }
    if (stamp !== undefined && changeStamp(await file.stat()) !== stamp) throw changed(path);
  } finally {
    await file.close();
  }
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
