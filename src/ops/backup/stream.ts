/**
 * The data path: `tar` on the host -> SSH channel stdout -> hashing/counting Transform -> store.put
 * (multipart for S3). Nothing is staged on disk at either end; sha256 and size are computed as bytes
 * pass. Restore runs the other way: store.get -> hash -> channel stdin -> `tar -x` on the host.
 */
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BackupStore } from '../../adapters/s3/types.js';
import type { ExecResult, SshConnection } from '../../adapters/ssh/types.js';
import { FleetError, isFleetError } from '../../core/errors.js';
import type { EventBus } from '../../runtime/events.js';

/** Progress events at most this often per host: enough for a smooth bar and rate, cheap for 1 GB streams. */
const PROGRESS_EVERY_MS = 200;

/** Passes bytes through unchanged while hashing and counting them, reporting progress as it goes. */
export class HashingCounter extends Transform {
  private readonly hash = createHash('sha256');
  bytes = 0;
  private lastReport = 0;

  constructor(private readonly onProgress?: (bytes: number) => void) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    const now = Date.now();
    if (this.onProgress && now - this.lastReport >= PROGRESS_EVERY_MS) {
      this.lastReport = now;
      this.onProgress(this.bytes);
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    this.onProgress?.(this.bytes);
    done();
  }

  /** Only after the stream ended. */
  digest(): string {
    return this.hash.digest('hex');
  }
}

function lastLine(buffer: Buffer): string {
  const lines = buffer.toString('utf8').trim().split('\n');
  return lines[lines.length - 1]?.trim() ?? '';
}

function remoteFailure(host: string, what: string, result: ExecResult): FleetError {
  const detail = lastLine(result.stderr);
  const how = result.timedOut
    ? 'timed out'
    : result.signal
      ? `killed by ${result.signal}`
      : `exited ${result.exitCode}`;
  return new FleetError('remote-exit', `${what} ${how}${detail ? `: ${detail}` : ''}`, { host });
}

/** What both directions need: one archive command on one host, one object in the store. */
interface StreamEnds {
  conn: SshConnection;
  host: string;
  /** The archive command: writes the archive to stdout (backup) or reads it from stdin (restore). */
  command: string;
  what: string;
  store: BackupStore;
  key: string;
  bus: EventBus;
  signal: AbortSignal;
  sudo: boolean;
  sudoPassword?: string;
}

export interface StreamOutOptions extends StreamEnds {
  /** GNU tar exits 1 when a file changed while it was read: the archive is usable, say so and go on. */
  tolerateExit1?: boolean;
  /** Bytes already streamed by earlier items of this host, so its bar keeps counting up. */
  baseBytes?: number;
  secret?: boolean;
}

/** Streams one archive from a host into the store. Any failure on either side stops both. */
export async function streamToStore(o: StreamOutOptions): Promise<{ size: number; sha256: string }> {
  const abort = new AbortController();
  const onOuterAbort = (): void => abort.abort();
  o.signal.addEventListener('abort', onOuterAbort, { once: true });
  const counter = new HashingCounter((bytes) =>
    o.bus.emit({ type: 'host:progress', host: o.host, done: (o.baseBytes ?? 0) + bytes, unit: 'bytes' }),
  );
  try {
    const child = await o.conn.spawn(o.command, {
      sudo: o.sudo,
      sudoPassword: o.sudoPassword,
      signal: abort.signal,
    });
    child.stdin.end();
    child.stdout.on('error', (err) => counter.destroy(err));
    child.stdout.pipe(counter);
    // A remote failure must fail the upload too, or the store would keep a truncated archive.
    let remoteError: FleetError | undefined;
    const remote = child.done.then((result) => {
      const ok = result.exitCode === 0 || (o.tolerateExit1 === true && result.exitCode === 1);
      if (!ok) {
        const err = remoteFailure(o.host, o.what, result);
        // An exit we caused (abort after a store failure) is not the remote side's fault.
        if (!result.aborted) remoteError = err;
        counter.destroy(err);
        throw err;
      }
      if (result.exitCode === 1) o.bus.log('warn', `${o.what}: ${lastLine(result.stderr)}`, o.host);
      return result;
    });
    remote.catch(() => undefined);
    let stored: { size: number };
    try {
      stored = await o.store.put(o.key, counter, { signal: abort.signal, secret: o.secret });
    } catch (err) {
      // Kill the remote tar (its process group) so nothing keeps running on the host, and drain what
      // is still buffered: a paused SSH channel never reaches 'close', so `done` would never settle.
      abort.abort();
      child.stdout.unpipe(counter);
      child.stdout.resume();
      await remote.catch(() => undefined);
      throw remoteError ?? err;
    }
    await remote;
    if (stored.size !== counter.bytes) {
      throw new FleetError(
        'storage',
        `${o.key}: stored ${stored.size} bytes but ${counter.bytes} were streamed`,
      );
    }
    return { size: counter.bytes, sha256: counter.digest() };
  } finally {
    o.signal.removeEventListener('abort', onOuterAbort);
  }
}

/** Reads an object through the hash without keeping it: restore's integrity check. */
export async function hashObject(
  store: BackupStore,
  key: string,
  signal: AbortSignal,
  onProgress?: (bytes: number) => void,
): Promise<{ size: number; sha256: string }> {
  const counter = new HashingCounter(onProgress);
  const source = await store.get(key, signal);
  try {
    await pipeline(source, counter, async (chunks: AsyncIterable<Buffer>) => {
      for await (const _ of chunks) {
        // Drain: only the hash is wanted.
      }
    });
  } catch (err) {
    if (isFleetError(err)) throw err;
    throw new FleetError('storage', `reading ${key} failed: ${(err as Error).message}`, { cause: err });
  }
  return { size: counter.bytes, sha256: counter.digest() };
}

export interface StreamInOptions extends StreamEnds {
  expectedSha256: string;
}

/** Streams one object from the store into a command on the host, checking the hash again on the way. */
export async function streamFromStore(o: StreamInOptions): Promise<{ size: number }> {
  const counter = new HashingCounter((bytes) =>
    o.bus.emit({ type: 'host:progress', host: o.host, done: bytes, unit: 'bytes' }),
  );
  const source = await o.store.get(o.key, o.signal);
  const child = await o.conn.spawn(o.command, {
    sudo: o.sudo,
    sudoPassword: o.sudoPassword,
    signal: o.signal,
  });
  child.stdout.resume();
  const feeding = pipeline(source, counter, child.stdin as NodeJS.WritableStream).catch(
    (err: unknown) => err,
  );
  const result = await child.done;
  const fedError = await feeding;
  if (result.exitCode !== 0) throw remoteFailure(o.host, o.what, result);
  if (fedError) {
    throw isFleetError(fedError)
      ? fedError
      : new FleetError('storage', `reading ${o.key} failed: ${(fedError as Error).message}`, {
          host: o.host,
        });
  }
  const sha = counter.digest();
  if (sha !== o.expectedSha256) {
    // Verified before anything changed; a mismatch now means the object changed during the restore.
    throw new FleetError('integrity', `${o.key} changed while it was being restored (sha256 ${sha})`, {
      host: o.host,
    });
  }
  return { size: counter.bytes };
}
