/**
 * The swarm archive as ONE detached remote job (remote/swarm-backup-job.sh): stop Docker -> archive ->
 * start Docker runs on the host in its own session, so neither `kill -9` of fleet nor a dropped SSH
 * link can leave the manager's engine stopped. The job archives into a 0600 file inside a 0700 root
 * temp folder (mktemp -d under /var/tmp); fleet streams that file into the store afterwards (hashing
 * it on the way and checking it against the job's own sha256), then lets go of the launcher, and the
 * job removes the folder. A client that died never lets go: the job sees the launcher gone and removes
 * the folder by itself once Docker runs again.
 *
 * The launcher is the SSH channel fleet keeps open while the job runs: it reads the unlock key (one
 * stdin line, passed on through a pipe: never argv, env or a file), starts the job with setsid, relays
 * its state lines to stdout and then waits for stdin to close.
 */
import { createInterface } from 'node:readline';
import type { Secret } from '../../adapters/docker/types.js';
import type { BackupStore } from '../../adapters/s3/types.js';
import { shQuote } from '../../adapters/ssh/quote.js';
import { FleetError } from '../../core/errors.js';
import { JOB_LOCK_FILE, REMOTE_LOCK_DIR } from '../../core/remote-locks.js';
import type { PhaseContext } from '../../runtime/phase.js';
import { loadRemoteScript } from '../../adapters/remote-scripts.js';
import { streamToStore } from './stream.js';
import type { RemoteContext } from './remote-context.js';

/** Default longest time the archive may take while Docker is stopped; past it Docker is started anyway. */
export const DEFAULT_STOP_DEADLINE_S = 300;

export interface SwarmJobInput extends RemoteContext {
  ctx: PhaseContext;
  unlockKey?: Secret;
  store: BackupStore;
  key: string;
  gzip: boolean;
  stopDeadlineS: number;
}

export function launcherScript(job: string, deadlineS: number, gzip: boolean): string {
  return [
    'set -eu',
    'umask 077',
    'key=',
    'IFS= read -r key || true',
    'dir=$(mktemp -d /var/tmp/fleet-swarm-backup.XXXXXXXX)',
    // The state file exists before the job starts: under load the loop below reads it before the job
    // has written its first line, and with `set -e` a failing read ended the launcher (fleet then
    // reported the launcher gone while the job went on stopping Docker by itself).
    ': >"$dir/state"',
    'cat >"$dir/job.sh" <<\'FLEET_JOB_EOF\'',
    job.trimEnd(),
    'FLEET_JOB_EOF',
    `printf '%s\\n' "$key" | setsid sh "$dir/job.sh" "$dir" "$$" ${deadlineS} ${gzip ? 'z' : "''"} ${shQuote(REMOTE_LOCK_DIR)} ${shQuote(JOB_LOCK_FILE)} >"$dir/job.log" 2>&1 &`,
    'key=',
    'printf \'dir %s\\n\' "$dir"',
    'seen=0',
    'i=0',
    'while :; do',
    '  n=$(cat "$dir/state" 2>/dev/null | wc -l)',
    '  if [ "$n" -gt "$seen" ]; then sed -n "$((seen + 1)),${n}p" "$dir/state"; seen=$n; fi',
    // `done` may have been written after the count above: relay what came since, or fleet waits for ever
    // for lines this loop already skipped (the job writes nothing after `done`).
    '  if grep -qx done "$dir/state" 2>/dev/null; then sed -n "$((seen + 1)),\\$p" "$dir/state"; break; fi',
    // A job that died without saying so (it could not even start) must not keep fleet waiting.
    '  pid=$(sed -n "s/^pid //p" "$dir/state" 2>/dev/null) || pid=',
    '  i=$((i + 1))',
    '  if { [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; } || { [ -z "$pid" ] && [ $i -gt 100 ]; }; then',
    '    grep -qx done "$dir/state" 2>/dev/null && continue',
    '    if grep -qx stopped "$dir/state" && ! grep -q "^started" "$dir/state"; then systemctl start docker 9>&- || true; fi',
    '    echo died; tail -n 3 "$dir/job.log" >&2; rm -rf "$dir"; exit 1',
    '  fi',
    '  sleep 0.2',
    'done',
    // Held until fleet has fetched the archive and closes stdin (or its connection dies).
    'cat >/dev/null',
  ].join('\n');
}

/** The launcher's result, or undefined when a dead connection never settles it. */
async function settled<T>(done: Promise<T>, ms = 5000): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      done.catch(() => undefined),
      new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

interface JobOutcome {
  dir: string;
  stopped: boolean;
  started: boolean;
  archive?: { size: number; sha256: string };
  problem?: string;
}

/** Runs the job; resolves once it is done (Docker started again) with what it did. */
export async function archiveSwarmDetached(i: SwarmJobInput): Promise<{ size: number; sha256: string }> {
  // Long (~110 lines) on purpose: the launcher channel's state lines drive one state machine (started,
  // archive ready, streamed, done, problem) whose every exit must restart Docker or say why not.
  const job = await loadRemoteScript('swarm-backup-job.sh');
  const child = await i.conn.spawn(launcherScript(job, i.stopDeadlineS, i.gzip), {
    sudo: i.sudo,
    sudoPassword: i.sudoPassword,
  });
  child.stdin.write(i.unlockKey ? `${i.unlockKey.reveal()}\n` : '\n');
  const outcome: JobOutcome = { dir: '', stopped: false, started: false };
  const lines = createInterface({ input: child.stdout });
  const reading = (async () => {
    // A dropped link ends (or fails) the stream after SSH keepalive gives up; the job goes on regardless.
    try {
      for await (const line of lines) {
        const [word, ...rest] = line.split(' ');
        if (word === 'dir') outcome.dir = rest.join(' ');
        else if (word === 'stopped') {
          outcome.stopped = true;
          // Recorded as it happens on the host; the job itself did the stopping.
          await i.ctx.change(i.host, 'stop Docker to archive /var/lib/docker/swarm', async () => undefined);
        } else if (word === 'started') {
          outcome.started = rest[0] === '0';
          await i.ctx.change(i.host, 'start Docker again', async () => undefined);
        } else if (word === 'archived') {
          outcome.archive = { size: Number(rest[0]), sha256: rest[1] ?? '' };
        } else if (word === 'archive-timeout') {
          outcome.problem = `archiving /var/lib/docker/swarm took longer than the ${rest[0]}s deadline; Docker was started again without a backup`;
        } else if (word === 'archive-failed') {
          outcome.problem = `tar of /var/lib/docker/swarm failed (exit ${rest[0]}); Docker was started again`;
        } else if (word === 'stop-failed') outcome.problem = 'systemctl stop docker failed';
        else if (word === 'busy') {
          outcome.problem = `another fleet job holds ${JOB_LOCK_FILE} on this host (a swarm backup still running)`;
        } else if (word === 'done') return true;
      }
    } catch {
      // Reported below as the launcher ending early.
    }
    return false;
  })();
  // The job restarts Docker by itself; fleet waits for it however long that takes (bounded by the job's
  // own deadlines), and a Ctrl-C here only means not fetching the archive afterwards.
  // Bounded too: the job's own steps are (stop 180 s + the deadline + start, unlock ~15 min at worst).
  let bound: NodeJS.Timeout | undefined;
  const finished = await Promise.race([
    reading,
    new Promise<false>(
      (resolve) => (bound = setTimeout(() => resolve(false), (i.stopDeadlineS + 1200) * 1000)),
    ),
  ]);
  clearTimeout(bound);
  const release = async (): Promise<void> => {
    child.stdin.end();
    await settled(child.done);
    if (outcome.dir.startsWith('/var/tmp/fleet-swarm-backup.')) {
      await i.conn
        .exec(`rm -rf ${shQuote(outcome.dir)}`, {
          sudo: i.sudo,
          sudoPassword: i.sudoPassword,
          timeoutMs: 30_000,
        })
        .catch(() => undefined);
    }
  };
  if (!finished) {
    const result = await settled(child.done);
    const detail = result?.stderr.toString('utf8').trim().split('\n').pop();
    throw new FleetError(
      'remote-exit',
      `the swarm backup job's launcher ended before the job reported done${detail ? `: ${detail}` : ''}`,
      { host: i.host, hint: 'the job itself restarts Docker; check `systemctl status docker` on the host' },
    );
  }
  try {
    if (outcome.stopped && !outcome.started) {
      throw new FleetError('docker', 'Docker did not answer again after the backup job started it', {
        host: i.host,
        hint: 'check `systemctl status docker` on the host',
      });
    }
    if (outcome.problem || !outcome.archive) {
      throw new FleetError('remote-exit', outcome.problem ?? 'the backup job wrote no archive', {
        host: i.host,
      });
    }
    if (i.signal.aborted) throw new FleetError('interrupted', 'interrupted before the archive was fetched');
    const stored = await streamToStore({
      conn: i.conn,
      host: i.host,
      command: `cat ${shQuote(`${outcome.dir}/swarm.tar`)}`,
      what: 'reading the swarm archive',
      store: i.store,
      key: i.key,
      bus: i.bus,
      signal: i.signal,
      sudo: i.sudo,
      sudoPassword: i.sudoPassword,
      secret: true,
    });
    if (stored.sha256 !== outcome.archive.sha256 || stored.size !== outcome.archive.size) {
      throw new FleetError(
        'integrity',
        `the swarm archive changed on its way: the host wrote ${outcome.archive.size} bytes (sha256 ${outcome.archive.sha256}), the store got ${stored.size} (${stored.sha256})`,
        { host: i.host },
      );
    }
    return stored;
  } finally {
    await release();
  }
}
