/**
 * `--outdir DIR`: each host's stdout and stderr in DIR/<host>.out and DIR/<host>.err, written as the
 * bytes arrive (never held in memory: a host may print gigabytes), byte-exact except for secrets
 * fleet knows (core/redact-stream). Writes are synchronous on purpose: the file then keeps pace with
 * the SSH channel, where an async stream would buffer without bound when the disk is slower.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { describePathKind, pathKindSync } from '../../adapters/fs/safe-write.js';
import { join } from 'node:path';
import { FleetError } from '../../core/errors.js';
import { StreamRedactor } from '../../core/redact-stream.js';

/** Host ids are names or addresses; anything that could escape the folder is replaced. */
export function outdirFileBase(id: string): string {
  return id.replace(/[^A-Za-z0-9._@:-]/g, '_').replace(/^\.+/, '_');
}

/**
 * A regular file is truncated in place and a character device (/dev/null) written to, as the atomic
 * writes elsewhere do (adapters/fs/safe-write.ts); a FIFO would block the run until someone reads it,
 * and a directory, socket or block device is never what the user meant, so those are refused.
 */
function refuseSpecialFile(path: string): void {
  const kind = pathKindSync(path);
  if (kind === 'missing' || kind === 'file' || kind === 'char-device') return;
  throw new Error(`${path} is ${describePathKind(kind)}, not a file (remove it or choose another --outdir)`);
}

export interface OutdirFile {
  readonly path: string;
  write(chunk: Buffer): void;
  close(): void;
}

export class Outdir {
  private failure: FleetError | undefined;

  constructor(readonly dir: string) {}

  /** Creates the folder before any host runs, so a bad path stops the run before it starts. */
  prepare(): void {
    try {
      mkdirSync(this.dir, { recursive: true });
    } catch (err) {
      throw this.error(err);
    }
  }

  /** Opens DIR/<host>.<ext> (created empty now, so a silent host still gets its file). */
  open(hostId: string, ext: 'out' | 'err'): OutdirFile {
    const path = join(this.dir, `${outdirFileBase(hostId)}.${ext}`);
    const redactor = new StreamRedactor();
    let fd: number | undefined;
    const put = (bytes: Buffer) => {
      if (fd === undefined || bytes.length === 0) return;
      try {
        writeSync(fd, bytes);
      } catch (err) {
        this.failure ??= this.error(err);
        closeSync(fd);
        fd = undefined;
      }
    };
    try {
      refuseSpecialFile(path);
      fd = openSync(path, 'w', 0o644);
    } catch (err) {
      this.failure ??= this.error(err);
    }
    return {
      path,
      write: (chunk) => put(redactor.push(chunk)),
      close: () => {
        put(redactor.end());
        if (fd !== undefined) closeSync(fd);
        fd = undefined;
      },
    };
  }

  /** The first write failure (disk full, permissions), thrown once the run has finished. */
  check(): void {
    if (this.failure) throw this.failure;
  }

  private error(err: unknown): FleetError {
    return new FleetError('usage', `cannot write --outdir ${this.dir}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
