/**
 * The local files of a compose file, for `fleet stack deploy`: read on the admin machine the way
 * docker would (relative to the compose file's folder, core/compose-files.ts), refused together
 * before anything connects when one cannot be read; then config and secret files are copied to a
 * temp folder on the manager through the push transfer (ops/shared/push-host.ts: sha256 checked on
 * the manager) and removed again after the deploy.
 */
import { readFile } from 'node:fs/promises';
import { dirname, posix } from 'node:path';
import { walkSources } from '../../adapters/fs/local-tree.js';
import type { SshConnection } from '../../adapters/ssh/types.js';
import {
  composeLocalFiles,
  localPathOf,
  parseEnvFile,
  refuseLocalFiles,
  type LocalFileRef,
} from '../../core/compose-files.js';
import { FleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import type { LocalSource, PushPlan } from '../../core/transfer-plan.js';
import type { Runtime } from '../../runtime/types.js';
import { pushToHost } from '../shared/push-host.js';

export interface StackFiles {
  envFiles: Map<string, [string, string][]>;
  /** Config and secret files, each with its walked (and hashed) local source. */
  copies: { ref: LocalFileRef; source: LocalSource }[];
  refs: LocalFileRef[];
}

const why = (err: unknown): string => {
  const e = err as NodeJS.ErrnoException;
  return e.code === 'ENOENT'
    ? 'no such file'
    : e.code === 'EACCES'
      ? 'permission denied'
      : (e.code ?? e.message);
};

/** Reads every file the compose file names; refuses (usage, exit 2) naming each one it cannot read. */
export async function readStackFiles(
  compose: string,
  composeFile: string,
  lookupEnv: (key: string) => string | undefined,
  rt: Runtime,
): Promise<StackFiles> {
  const refs = composeLocalFiles(compose, composeFile);
  const dir = dirname(composeFile);
  const out: StackFiles = { envFiles: new Map(), copies: [], refs };
  const problems: { ref: LocalFileRef; reason: string }[] = [];
  for (const ref of refs) {
    const local = localPathOf(ref, dir);
    if (ref.kind === 'env_file') {
      if (out.envFiles.has(ref.path)) continue;
      let text: string;
      try {
        text = await readFile(local, 'utf8');
      } catch (err) {
        if (!ref.required && (err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        problems.push({ ref, reason: why(err) });
        continue;
      }
      out.envFiles.set(ref.path, parseEnvFile(text, local, lookupEnv));
      continue;
    }
    try {
      const [source] = await walkSources([local], { warn: (m) => rt.bus.log('warn', m), signal: rt.signal });
      if (source!.type !== 'file') problems.push({ ref, reason: 'a directory, not a file' });
      else out.copies.push({ ref, source: source! });
    } catch (err) {
      const e = err as FleetError;
      problems.push({ ref, reason: /no such file/.test(e.message) ? 'no such file' : why(err) });
    }
  }
  refuseLocalFiles(problems, composeFile);
  return out;
}

/** A name safe on the manager's command lines and paths: the local name with anything odd replaced. */
const safeName = (name: string): string => name.replace(/[^A-Za-z0-9._-]/g, '_');

/**
 * Copies the config and secret files into a fresh temp folder on the manager; returns the folder and
 * each copy's path by where the compose file named it.
 */
export async function sendStackFiles(
  rt: Runtime,
  target: HostTarget,
  conn: SshConnection,
  files: StackFiles,
): Promise<{ dir: string; remotePaths: Map<string, string> }> {
  const made = await conn.exec('mktemp -d /tmp/fleet-stack-XXXXXXXX', { signal: rt.signal });
  const dir = made.stdout.toString('utf8').trim();
  if (made.exitCode !== 0 || !dir.startsWith('/tmp/fleet-stack-')) {
    throw new FleetError('remote-exit', `cannot make a temp folder on ${target.id} for the stack's files`, {
      host: target.id,
    });
  }
  const remotePaths = new Map<string, string>();
  const entries = files.copies.map(({ ref, source }, i) => {
    const remote = posix.join(dir, `${i + 1}-${safeName(posix.basename(ref.path))}`);
    remotePaths.set(ref.where, remote);
    return { ...source.entries[0]!, remote };
  });
  const plan: PushPlan = {
    entries,
    parent: dir,
    files: entries.length,
    bytes: entries.reduce((sum, e) => sum + e.size, 0),
  };
  const row = await pushToHost(target, {
    plan,
    pool: await rt.pool(),
    bus: rt.bus,
    signal: rt.signal,
    force: true,
    mkdir: false,
    sudo: false,
  });
  if (row.status !== 'success') {
    await removeStackFiles(conn, dir);
    throw new FleetError(
      row.status === 'interrupted' ? 'interrupted' : 'remote-exit',
      `copying the stack's config/secret files to ${target.id} failed: ${row.error ?? row.status}`,
      { host: target.id },
    );
  }
  return { dir, remotePaths };
}

/** Removes the temp folder (docker stack deploy has read the files into configs/secrets by then). */
export async function removeStackFiles(conn: SshConnection, dir: string): Promise<void> {
  // Not on the run's signal: after Ctrl-C the copies must still go.
  await conn.exec(`rm -rf -- '${dir}'`, { timeoutMs: 30_000 }).catch(() => undefined);
}
