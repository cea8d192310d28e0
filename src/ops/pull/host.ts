/**
 * One host of `fleet pull`: list the files under REMOTE with their sha256 (remote/pull-list.sh),
 * skip those LOCALDIR/<host>/… already has, stream the rest as one tar (GNU/busybox `tar -c -T -`),
 * hash each file while writing it to a temp file beside its place, and rename it into place only when
 * the hash matches the listing. Never throws: the outcome is the host's report row.
 */
import { hashFile } from '../../adapters/fs/local-tree.js';
import { makeFolder, pathKind, stageFile, type StagedFile } from '../../adapters/fs/safe-write.js';
import type { SshPool } from '../../adapters/ssh/types.js';
import { createHash, type Hash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import { TarReader } from '../../core/tar.js';
import { parseRemoteSums, pullLocalPath, type RemoteFile } from '../../core/transfer-plan.js';
import type { TransferHostReport } from '../../core/transfer-report.js';
import type { EventBus } from '../../runtime/events.js';
import {
  finishHost,
  NO_COUNTS,
  progressReporter,
  runRemoteScript,
  stepFailed,
  type HostCounts,
} from '../shared/transfer.js';

export interface PullHostOptions {
  remote: string;
  localDir: string;
  pool: SshPool;
  bus: EventBus;
  signal: AbortSignal;
  force: boolean;
  sudo: boolean;
  sudoPassword?: string;
}

async function localSum(path: string): Promise<string | undefined> {
  if ((await pathKind(path)) !== 'file') return undefined;
  return hashFile(path, (await stat(path)).size);
}

export async function pullFromHost(host: HostTarget, o: PullHostOptions): Promise<TransferHostReport> {
  const started = Date.now();
  const localDir = join(o.localDir, host.id);
  let counts: HostCounts = NO_COUNTS;
  if (o.signal.aborted) return finishHost(o.bus, host, started, counts, { interrupted: true, localDir });
  const sudo = { sudo: o.sudo, sudoPassword: o.sudoPassword, signal: o.signal };
  try {
    o.bus.hostState(host.id, 'connecting');
    const conn = await o.pool.connect(host, o.signal);
    o.bus.hostState(host.id, 'running', 'listing');
    const listing = await runRemoteScript(conn, 'pull-list.sh', [o.remote], { ...sudo, timeoutMs: 600_000 });
    if (listing.aborted) return finishHost(o.bus, host, started, counts, { interrupted: true, localDir });
    if (listing.exitCode !== 0) throw stepFailed(host, `listing ${o.remote}`, listing);
    const wanted = new Map<string, RemoteFile & { local: string }>();
    let skipped = 0;
    for (const file of parseRemoteSums(listing.stdout.toString('utf8'), host.id)) {
      const local = pullLocalPath(o.localDir, host.id, o.remote, file.path);
      if (!o.force && (await localSum(local)) === file.sha256) skipped++;
      else wanted.set(file.path, { ...file, local });
    }
    counts = { ...NO_COUNTS, files_skipped: skipped };
    await makeFolder(localDir);
    if (wanted.size === 0) return finishHost(o.bus, host, started, counts, { localDir });
    o.bus.hostState(host.id, 'running', `receiving ${wanted.size} files`);
    const received = await receive(host, o, conn, wanted);
    counts = { ...counts, ...received };
    return finishHost(o.bus, host, started, counts, { localDir });
  } catch (err) {
    if (o.signal.aborted) return finishHost(o.bus, host, started, counts, { interrupted: true, localDir });
    return finishHost(o.bus, host, started, counts, { error: err, localDir });
  }
}

type Conn = Awaited<ReturnType<SshPool['connect']>>;

async function receive(
  host: HostTarget,
  o: PullHostOptions,
  conn: Conn,
  wanted: Map<string, RemoteFile & { local: string }>,
): Promise<Pick<HostCounts, 'files_sent' | 'bytes_sent' | 'sha256_verified'>> {
  const names = [...wanted.keys()].map((p) => p.replace(/^\/+/, '')).join('\n');
  const spawned = await conn.spawn('tar -c -f - -C / --no-recursion -T -', {
    sudo: o.sudo,
    sudoPassword: o.sudoPassword,
    signal: o.signal,
  });
  // spawn's stdin is a stream handed to the command once sudo (if any) has authenticated.
  spawned.stdin.end(`${names}\n`);
  const reader = new TarReader();
  const total = [...wanted.values()].reduce((n, f) => n + f.size, 0);
  const progress = progressReporter(o.bus, host.id, total);
  progress(0);
  let current:
    | { file: RemoteFile & { local: string }; staged: StagedFile; hash: Hash; mode: number; mtime: number }
    | undefined;
  let bytes = 0;
  let files = 0;
  try {
    for await (const chunk of spawned.stdout) {
      for (const event of reader.push(chunk as Buffer)) {
        if (event.type === 'entry') {
          const file = wanted.get(`/${event.header.path}`);
          if (!file || event.header.type !== 'file') {
            throw new FleetError(
              'integrity',
              `${host.id} sent ${event.header.path}, which was not asked for`,
              { host: host.id },
            );
          }
          await makeFolder(dirname(file.local));
          const staged = await stageFile(file.local, { what: 'pulled file', code: 'usage' });
          current = {
            file,
            staged,
            hash: createHash('sha256'),
            mode: event.header.mode,
            mtime: event.header.mtime,
          };
        } else if (event.type === 'data' && current) {
          current.hash.update(event.chunk);
          await current.staged.write(event.chunk);
          bytes += event.chunk.length;
          progress(bytes);
        } else if (event.type === 'entry-end' && current) {
          const { file, staged } = current;
          const sum = current.hash.digest('hex');
          if (sum !== file.sha256) {
            await staged.abort();
            throw new FleetError(
              'integrity',
              `${file.path} on ${host.id} changed or was damaged in transit (sha256 differs); local copy left as it was`,
              {
                host: host.id,
              },
            );
          }
          await staged.commit({ mode: current.mode, mtimeSeconds: current.mtime });
          current = undefined;
          files++;
        }
      }
    }
  } catch (err) {
    await current?.staged.abort();
    const stream = spawned.stdout as NodeJS.ReadableStream & { destroy?: () => void };
    stream.destroy?.();
    await spawned.done.catch(() => undefined);
    throw err;
  }
  const result = await spawned.done;
  if (result.aborted) throw new FleetError('interrupted', 'interrupted', { host: host.id });
  // GNU tar exits 1 when a file changed while read; the sha256 check above already judged each file.
  if (!reader.ended || (result.exitCode !== 0 && result.exitCode !== 1))
    throw stepFailed(host, 'tar', result);
  if (files !== wanted.size) {
    throw new FleetError(
      'remote-exit',
      `${host.id} sent ${files} of ${wanted.size} files (${result.stderr.toString('utf8').trim().split('\n').pop() ?? ''})`,
      {
        host: host.id,
      },
    );
  }
  return { files_sent: files, bytes_sent: bytes, sha256_verified: files };
}
