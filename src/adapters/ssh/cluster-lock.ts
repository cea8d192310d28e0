/**
 * The cluster lock over SSH: on each host a `remote/cluster-lock.sh` process holds `flock` on
 * CLUSTER_LOCK_FILE for as long as its channel lives. fleet ends the channel's stdin to release it; a
 * fleet that dies (kill -9, power loss) closes the connection and sshd ends the script, and a cut link
 * ends it after LOCK_IDLE_SECONDS without a heartbeat. So no lock outlives the run that took it, and
 * nothing is stored on the admin machine. Which hosts and why: docs/ARCHITECTURE.md, core/cluster-lock.
 */
import { hostname, userInfo } from 'node:os';
import {
  describeBusy,
  holderLine,
  lockHosts,
  type LockHolder,
  type LockReply,
} from '../../core/cluster-lock.js';
import { FleetError, toFleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import { redact } from '../../core/redact.js';
import { CLUSTER_LOCK_FILE, JOB_LOCK_FILE, REMOTE_LOCK_DIR } from '../../core/remote-locks.js';
import { loadRemoteScript } from '../remote-scripts.js';
import { readLockOutput } from './cluster-lock-output.js';
import { sleep } from '../../core/poll.js';
import { shJoin } from './quote.js';
import type { ExecResult, SshConnection, SshPool } from './types.js';

type Started = Awaited<ReturnType<SshConnection['spawn']>>;

/** A heartbeat every HEARTBEAT_MS; the remote side gives up after LOCK_IDLE_SECONDS without one. */
const HEARTBEAT_MS = 5_000;
export const LOCK_IDLE_SECONDS = 45;
/** How often a waiting run asks again. */
const RETRY_MS = 1_000;
/** After a contended fast path: how long a run without --wait-lock still waits (see there). */
const CONTENTION_GRACE_MS = 2_500;

export interface ClusterLockOptions {
  /** `up`, `backup`, …: shown to whoever has to wait (never the arguments). */
  command: string;
  /** Wait up to this many seconds for a busy lock; undefined or 0 refuses at once. */
  waitSeconds?: number;
  /** Ctrl-C while waiting: stop waiting, release what is held. */
  signal?: AbortSignal;
  /**
   * Run the lock script through sudo (the run's --sudo): a non-root user on a host without a
   * world-writable /run/lock can then still create the lock folder.
   */
  sudo?: boolean;
  sudoPassword?: string;
  /** Notes: hosts skipped because they cannot be reached, "waiting for …", a lock lost mid-run. */
  log?: (level: 'info' | 'warn', message: string, host?: string) => void;
  /**
   * A read-only remote script (a remote/*.sh name, then its arguments as single words separated by
   * spaces, e.g. `facts.sh --docker-from-api`) run right after the lock is held, in the lock's
   * own remote shell, on the selected hosts only: `fleet up` reads facts.sh this way, one login-shell
   * start per host instead of two (an account whose ~/.bashrc initialises conda pays it once). Not
   * with `sudo` (the script would run as root, where the run reads it as the login user).
   */
  alsoRun?: string;
}

export interface ClusterLock {
  /** Ids of the hosts whose lock this run holds, in locking order. */
  readonly held: string[];
  /** Ends every lock channel and waits (briefly) until the hosts released the lock. Idempotent. */
  release(): Promise<void>;
  /**
   * The stdout of `alsoRun` on this host once it finished with exit 0; undefined when it did not run
   * there, failed, or printed more than a MiB (the caller then runs it on its own).
   */
  output(host: string): Promise<string | undefined>;
}

interface HeldHost {
  id: string;
  stdin: NodeJS.WritableStream;
  done: Promise<ExecResult>;
  released: boolean;
}

/**
 * Takes the cluster lock on `selected` plus the inventory's anchors (core/cluster-lock lockHosts),
 * one host after another in a fixed order. Throws FleetError 'locked' naming the host and who holds
 * it when a host is busy (after `waitSeconds`, if given), releasing whatever it already took.
 * A host that cannot be reached is skipped with a warning: it cannot be changed by anyone else through
 * this link either, and the run's own preflight reports it.
 */
export async function acquireClusterLock(
  pool: SshPool,
  selected: HostTarget[],
  inventory: HostTarget[],
  opts: ClusterLockOptions,
): Promise<ClusterLock> {
  // Long (~125 lines) on purpose: take in order, wait and retry, and release-everything-on-failure share
  // the list of locks already held; split, the release path would be repeated.
  const script = await loadRemoteScript('cluster-lock.sh');
  const args = ['sh', '-c', script, 'fleet-lock', REMOTE_LOCK_DIR, CLUSTER_LOCK_FILE, JOB_LOCK_FILE];
  const command = shJoin([...args, String(LOCK_IDLE_SECONDS)]);
  // "facts.sh --docker-from-api": the script's name, then its arguments (single words).
  const [alsoName, ...alsoArgs] = opts.alsoRun?.split(' ').filter(Boolean) ?? [];
  const alsoRun = alsoName && !opts.sudo ? await loadRemoteScript(alsoName) : undefined;
  const withAlsoRun = alsoRun && shJoin([...args, String(LOCK_IDLE_SECONDS), alsoRun, ...alsoArgs]);
  const alsoRunOn = new Set(selected.map((t) => t.id));
  const outputs = new Map<string, Promise<string | undefined>>();
  const holder: LockHolder = {
    host: hostname(),
    user: safeUser(),
    pid: process.pid,
    since: new Date().toISOString(),
    command: `fleet ${opts.command}`,
  };
  const line = redact(holderLine(holder)) + '\n';
  const targets = lockHosts(selected, inventory);
  const deadline = Date.now() + Math.max(0, opts.waitSeconds ?? 0) * 1000;
  const held: HeldHost[] = [];
  let releasing = false;
  const heartbeat = setInterval(() => {
    for (const h of held) if (!h.released) h.stdin.write('.\n');
  }, HEARTBEAT_MS);
  heartbeat.unref();

  const release = async (): Promise<void> => {
    releasing = true;
    clearInterval(heartbeat);
    await Promise.all(
      held.map(async (h) => {
        if (h.released) return;
        h.released = true;
        h.stdin.end();
        // The script removes its holder file and exits; a dead connection cannot delay fleet's exit
        // (the timer is unref'd: a pending one must not keep the process alive either).
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          h.done.catch(() => undefined),
          new Promise<void>((resolve) => (timer = setTimeout(resolve, 5_000).unref())),
        ]);
        clearTimeout(timer);
      }),
    );
  };

  // One attempt on one host: the script answers held (and keeps running), busy or error.
  type Attempt = { reply: LockReply; started: Started; output: Promise<string | undefined> };
  const attempt = async (conn: SshConnection): Promise<Attempt> => {
    const runs = Boolean(withAlsoRun) && alsoRunOn.has(conn.host.id);
    const cmd = runs && withAlsoRun ? withAlsoRun : command;
    const started = await conn.spawn(cmd, { sudo: opts.sudo, sudoPassword: opts.sudoPassword });
    started.stdin.write(line);
    const read = readLockOutput(started.stdout, started.done, runs);
    return { reply: await read.reply, started, output: read.output };
  };
  const hold = (id: string, a: Pick<Attempt, 'started' | 'output'>): void => {
    const { started } = a;
    outputs.set(id, a.output);
    const h: HeldHost = { id, stdin: started.stdin, done: started.done, released: false };
    held.push(h);
    void h.done.then(
      () => lost(h),
      () => lost(h),
    );
  };
  const giveBack = async (started: Started): Promise<void> => {
    started.stdin.end();
    await started.done.catch(() => undefined);
  };

  // Connect to all at once (handshakes are the slow part).
  const connections = await Promise.all(
    targets.map((t) =>
      pool.connect(t, opts.signal).then(
        (conn) => ({ target: t, conn }),
        (err: unknown) => ({ target: t, error: toFleetError(err) }),
      ),
    ),
  );
  try {
    const reachable: { target: HostTarget; conn: SshConnection }[] = [];
    for (const c of connections) {
      if ('error' in c) {
        if (c.error.code === 'interrupted' || opts.signal?.aborted) throw interrupted();
        opts.log?.('warn', `not locked: ${c.error.message}`, c.target.id);
      } else reachable.push(c);
    }
    // Fast path: one attempt on every host at once. Nobody waits for a lock while holding another
    // here (a busy host makes this run give back everything it took), so there is no deadlock; only
    // when some host is busy or failed does the run fall back to locking one by one in the fixed
    // order, waiting where --wait-lock allows. Uncontended, the lock costs one round trip (and one
    // login-shell start per host, in parallel) instead of one per host in a row.
    const first = await Promise.all(reachable.map((c) => attempt(c.conn).catch(() => undefined)));
    if (first.every((a) => a?.reply.state === 'held')) {
      reachable.forEach((c, i) => hold(c.target.id, first[i]!));
      return lockOf();
    }
    await Promise.all(first.map((a) => (a ? giveBack(a.started) : undefined)));
    // A host may have been busy only with another run's own fast-path attempt, which that run gives
    // back at once: allow a short wait even without --wait-lock, so two runs started together do
    // not both refuse; a run that really holds the lock is still refused after it.
    const waitUntil = Math.max(deadline, Date.now() + CONTENTION_GRACE_MS);
    for (const c of reachable) {
      let waitingSaid = false;
      for (;;) {
        if (opts.signal?.aborted) throw interrupted();
        const a = await attempt(c.conn);
        const { reply, started } = a;
        if (reply.state === 'held') {
          hold(c.target.id, a);
          break;
        }
        await giveBack(started);
        if (reply.state === 'error') {
          throw new FleetError('locked', `cannot take the cluster lock: ${reply.message}`, {
            host: c.target.id,
            hint: `fleet locks ${CLUSTER_LOCK_FILE} with flock (util-linux); as root, create ${REMOTE_LOCK_DIR} with mode 1777`,
          });
        }
        const why = describeBusy(reply);
        if (Date.now() + RETRY_MS > waitUntil) {
          const waited = opts.waitSeconds ? ` after waiting ${opts.waitSeconds} s` : '';
          throw new FleetError('locked', `the cluster is locked${waited}: ${why}`, {
            host: c.target.id,
            hint: opts.waitSeconds
              ? 'wait for that run to finish, or give --wait-lock more seconds'
              : 'wait for that run to finish, or pass --wait-lock [SECONDS] to wait for it',
          });
        }
        if (!waitingSaid && opts.waitSeconds)
          opts.log?.('info', `waiting for the cluster lock: ${why}`, c.target.id);
        waitingSaid = true;
        await sleep(RETRY_MS, opts.signal);
      }
    }
  } catch (err) {
    await release();
    throw err;
  }

  function lost(h: HeldHost): void {
    if (releasing || h.released) return;
    h.released = true;
    opts.log?.(
      'warn',
      'lost the cluster lock on this host (its connection ended); another run may start here',
      h.id,
    );
  }

  return lockOf();

  function lockOf(): ClusterLock {
    return {
      held: held.map((h) => h.id),
      release,
      output: (host) => outputs.get(host) ?? Promise.resolve(undefined),
    };
  }
}

function interrupted(): FleetError {
  return new FleetError('interrupted', 'interrupted while taking the cluster lock');
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}
