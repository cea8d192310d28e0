/**
 * A backup target on the local filesystem (default ./backups). Backups hold the swarm's TLS keys and
 * Raft data: every file is written 0600 and every folder fleet creates is 0700, whatever the umask.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, mkdir, readdir, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FleetError } from '../../core/errors.js';
import { assertRegularOrMissing } from '../fs/safe-write.js';
import type { BackupStore, PutOptions, StoredObject } from './types.js';

export class LocalStore implements BackupStore {
  readonly location: string;

  constructor(root: string) {
    this.location = resolve(root);
  }

  private pathOf(key: string): string {
    const full = resolve(this.location, ...key.split('/'));
    // Keys come from manifests a user could edit; never let one escape the backup folder.
    if (full !== this.location && !full.startsWith(this.location + sep)) {
      throw new FleetError('storage', `backup key ${JSON.stringify(key)} points outside ${this.location}`);
    }
    return full;
  }

  async put(key: string, body: Readable, options: PutOptions = {}): Promise<{ size: number }> {
    const file = this.pathOf(key);
    // The source may fail while the folder is being created; pipeline() below still sees that error.
    body.on('error', () => undefined);
    await assertRegularOrMissing(file, { what: 'backup object', code: 'storage' });
    // The write stream's mode applies only to a new file; one left by an earlier attempt is replaced.
    await rm(file, { force: true }).catch(() => undefined);
    await this.wrap(`create ${dirname(file)}`, () => this.makeFolders(dirname(file)));
    const out = createWriteStream(file, { mode: 0o600 });
    try {
      await pipeline(body, out, { signal: options.signal });
    } catch (err) {
      // A half-written object must not look like data; the manifest (written last) is what marks completeness.
      await rm(file, { force: true }).catch(() => undefined);
      throw storageError(`write ${file}`, err);
    }
    return { size: out.bytesWritten };
  }

  async putBytes(key: string, data: Buffer | string): Promise<void> {
    const file = this.pathOf(key);
    await this.wrap(`write ${file}`, async () => {
      await this.makeFolders(dirname(file));
      await assertRegularOrMissing(file, { what: 'backup object', code: 'storage' });
      await writeFile(file, data, { mode: 0o600 });
      // writeFile keeps the mode of an existing file; it must end up 0600 regardless.
      await chmod(file, 0o600);
    });
  }

  /**
   * mkdir -p with 0700 for what it creates; the id and host folders under the root are made 0700 even
   * when they exist. The root itself is left as the user made it (it may be a shared mount).
   */
  private async makeFolders(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    for (let d = dir; d.startsWith(this.location + sep); d = dirname(d)) await chmod(d, 0o700);
  }

  async get(key: string): Promise<Readable> {
    const file = this.pathOf(key);
    await this.wrap(`read ${file}`, () => stat(file));
    return createReadStream(file);
  }

  async list(prefix = ''): Promise<StoredObject[]> {
    const out: StoredObject[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw storageError(`list ${dir}`, err);
      }
      for (const entry of entries) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (entry.isFile()) {
          const key = relative(this.location, full).split(sep).join('/');
          if (!key.startsWith(prefix)) continue;
          const info = await stat(full);
          out.push({ key, size: info.size, lastModified: info.mtime });
        }
      }
    };
    await walk(this.location);
    return out.sort((a, b) => a.key.localeCompare(b.key));
  }

  async delete(keys: string[]): Promise<void> {
    const dirs = new Set<string>();
    for (const key of keys) {
      const file = this.pathOf(key);
      await this.wrap(`delete ${file}`, () => rm(file, { force: true }));
      dirs.add(dirname(file));
    }
    // Remove folders left empty (a backup id folder and its per-host folders), deepest first.
    const sorted = [...dirs].sort((a, b) => b.length - a.length);
    for (let dir of sorted) {
      while (dir.startsWith(this.location + sep)) {
        if ((await readdir(dir).catch(() => ['?'])).length > 0) break;
        await rmdir(dir).catch(() => undefined);
        dir = dirname(dir);
      }
    }
  }

  async close(): Promise<void> {}

  private async wrap<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw storageError(what, err);
    }
  }
}

function storageError(what: string, err: unknown): FleetError {
  if (err instanceof FleetError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  const message = err instanceof Error ? err.message : String(err);
  const hint =
    code === 'ENOENT'
      ? 'the object does not exist; check the backup id with `fleet backup ls`'
      : code === 'EACCES'
        ? 'check the permissions of the backup folder'
        : code === 'ENOSPC'
          ? 'the disk holding the backup folder is full'
          : undefined;
  return new FleetError('storage', `cannot ${what}: ${message}`, { cause: err, hint });
}
