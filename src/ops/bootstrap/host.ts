/**
 * One host of `fleet bootstrap`: read what it has (remote/bootstrap-probe.sh), and apply the steps of
 * its plan that concern it alone (install, daemon.json, docker group, enable/start). Restarting a
 * running engine is left to restart.ts, which knows the swarm. Every command that changes the host
 * runs through sudo (nothing for root) and through the run's change gate.
 */
import { walkSources } from '../../adapters/fs/local-tree.js';
import type { ExecResult, SshConnection, SshPool } from '../../adapters/ssh/types.js';
import { shQuote } from '../../adapters/ssh/quote.js';
import {
  DAEMON_JSON,
  parseBootstrapProbe,
  type BootstrapProbe,
  type BootstrapStep,
} from '../../core/bootstrap-plan.js';
import { FleetError } from '../../core/errors.js';
import { FSTAB, nfsSource, type NfsMount } from '../../core/nfs-mounts.js';
import type { HostTarget } from '../../core/host.js';
import { planPush, type PushPlan } from '../../core/transfer-plan.js';
import { EventBus } from '../../runtime/events.js';
import type { Runtime } from '../../runtime/types.js';
import { pushToHost } from '../shared/push-host.js';
import { runRemoteScript, stepFailed } from '../shared/transfer.js';

/** Where --packages .debs land on the hosts (kept: a re-run skips files whose sha256 matches). */
export const REMOTE_PACKAGES = '/var/cache/fleet/packages';

export async function probeBootstrap(
  conn: SshConnection,
  host: HostTarget,
  signal: AbortSignal,
  mountPoints: string[] = [],
): Promise<BootstrapProbe> {
  const r = await runRemoteScript(conn, 'bootstrap-probe.sh', mountPoints, { signal, timeoutMs: 30_000 });
  if (r.exitCode !== 0) throw stepFailed(host, 'reading the host (bootstrap-probe.sh)', r);
  return parseBootstrapProbe(r.stdout.toString('utf8'), host.id);
}

/** --packages DIR: its top-level .deb files, mapped onto REMOTE_PACKAGES. */
export async function packagesPlan(dir: string, rt: Runtime): Promise<PushPlan> {
  const [source] = await walkSources([dir.replace(/\/*$/, '/')], { warn: (m) => rt.bus.log('warn', m) });
  const entries = source!.entries.filter(
    (e) => e.rel === '' || (e.type === 'file' && /^[^/]+\.deb$/.test(e.rel)),
  );
  if (entries.length < 2) {
    throw new FleetError('usage', `--packages ${dir}: no .deb files in it`, {
      hint: 'put the engine and its missing dependencies there (apt-get download docker.io containerd runc …)',
    });
  }
  return planPush([{ ...source!, entries }], `${REMOTE_PACKAGES}/`);
}

export interface ApplyContext {
  rt: Runtime;
  pool: SshPool;
  /** --packages DIR walked and mapped onto REMOTE_PACKAGES. */
  packages?: PushPlan;
}

/** Runs a command as root (sudo for other users; the password on stdin only) and fails on non-zero. */
export async function rootRun(
  conn: SshConnection,
  rt: Runtime,
  step: string,
  command: string,
  o: { stdin?: string; timeoutMs?: number } = {},
): Promise<ExecResult> {
  const r = await conn.exec(command, {
    sudo: true,
    sudoPassword: rt.sudoPassword,
    signal: rt.signal,
    stdin: o.stdin,
    timeoutMs: o.timeoutMs ?? 120_000,
  });
  if (r.aborted) throw new FleetError('interrupted', `interrupted while ${step} on ${conn.host.id}`);
  if (r.exitCode !== 0) throw stepFailed(conn.host, step, r);
  return r;
}

const APT_ENV = 'DEBIAN_FRONTEND=noninteractive';
/** apt-get install, with one apt-get update when the package lists are too old to know it. */
const aptInstall = (pkg: string): string =>
  `${APT_ENV} apt-get install -y ${pkg} || { ${APT_ENV} apt-get update && ${APT_ENV} apt-get install -y ${pkg}; }`;

/**
 * Mounts one --nfs share through its fstab entry (so the options are the ones the boot will use) and
 * checks it: mounted, and its folder answers within 15 s (a server that accepted the mount but hangs
 * is caught here rather than by the first container that reads a model).
 */
async function mountAndCheck(conn: SshConnection, host: HostTarget, m: NfsMount, rt: Runtime): Promise<void> {
  const l = shQuote(m.local);
  const r = await conn.exec(
    [
      `mkdir -p ${l}`,
      `{ mountpoint -q ${l} || mount ${l}; }`,
      `mountpoint -q ${l} || { echo "nothing is mounted on ${m.local} after mount" >&2; exit 1; }`,
      `timeout 15 ls ${l} >/dev/null || { echo "${m.local} does not answer within 15 s" >&2; exit 1; }`,
    ].join(' && '),
    { sudo: true, sudoPassword: rt.sudoPassword, signal: rt.signal, timeoutMs: 120_000 },
  );
  if (r.aborted) throw new FleetError('interrupted', `interrupted while mounting ${m.local} on ${host.id}`);
  if (r.exitCode === 0) return;
  const e = stepFailed(host, `mounting ${nfsSource(m)} on ${m.local}`, r);
  throw new FleetError(e.code, e.message, {
    host: host.id,
    hint: `the ${FSTAB} entry stays (nofail: the boot does not wait on it); check that ${m.server} exports ${m.remote} to this host and that the kernel has the NFS client, then re-run`,
  });
}

/** The .debs from --packages through the push machinery, then apt-get on the local files only. */
async function installDebs(conn: SshConnection, host: HostTarget, c: ApplyContext): Promise<void> {
  if (!c.packages) throw new FleetError('internal', 'install from .debs without --packages');
  // push reports host:done for its own run; bootstrap's host is not done yet, so only progress passes.
  const quiet = new EventBus();
  quiet.subscribe((e) => {
    if (e.type === 'host:progress' || e.type === 'host:state') c.rt.bus.emit(e);
  });
  const row = await pushToHost(host, {
    plan: c.packages,
    pool: c.pool,
    bus: quiet,
    signal: c.rt.signal,
    force: false,
    mkdir: true,
    mode: 0o644,
    sudo: true,
    sudoPassword: c.rt.sudoPassword,
  });
  if (row.status !== 'success') {
    throw new FleetError(
      'remote-exit',
      `pushing the .debs to ${host.id} failed: ${row.error ?? row.status}`,
      {
        host: host.id,
      },
    );
  }
  const files = c.packages.entries.filter((e) => e.type === 'file').map((e) => shQuote(e.remote));
  // --no-download: every dependency must be among the .debs or already installed (air-gapped hosts).
  await rootRun(
    conn,
    c.rt,
    'installing the .debs',
    `${APT_ENV} apt-get install -y --no-download --no-install-recommends ${files.join(' ')}`,
    { timeoutMs: 600_000 },
  );
}

/**
 * daemon.json, fstab: the old file copied beside it first (FILE.fleet-backup-<time>), then the merged
 * text (stdin) renamed into place, so the file is never half-written.
 */
function replaceFileCommand(f: string, backup: boolean): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, 'Z');
  return [
    'set -e',
    `mkdir -p ${f.slice(0, f.lastIndexOf('/'))}`,
    backup ? `cp -p ${f} ${f}.fleet-backup-${stamp}` : ':',
    `cat > ${f}.fleet-new`,
    `chmod 0644 ${f}.fleet-new`,
    `mv -f ${f}.fleet-new ${f}`,
  ].join('\n');
}

/** Applies one non-restart step; returns false for steps this file does not handle. */
export async function applyStep(
  conn: SshConnection,
  host: HostTarget,
  step: BootstrapStep,
  c: ApplyContext,
): Promise<boolean> {
  const rt = c.rt;
  switch (step.kind) {
    case 'install':
      rt.bus.hostState(host.id, 'running', 'installing Docker');
      if (step.source === 'debs') await installDebs(conn, host, c);
      else {
        await rootRun(conn, rt, 'apt-get install docker.io', aptInstall('docker.io'), { timeoutMs: 900_000 });
      }
      return true;
    case 'daemon-json':
      rt.bus.hostState(host.id, 'running', 'writing daemon.json');
      await rootRun(conn, rt, `writing ${DAEMON_JSON}`, replaceFileCommand(DAEMON_JSON, step.backup), {
        stdin: step.merge.text,
      });
      return true;
    case 'nfs-client':
      rt.bus.hostState(host.id, 'running', 'installing nfs-common');
      if (step.source === 'debs') await installDebs(conn, host, c);
      else {
        await rootRun(conn, rt, 'apt-get install nfs-common', aptInstall('nfs-common'), {
          timeoutMs: 900_000,
        });
      }
      return true;
    case 'fstab':
      await rootRun(conn, rt, `writing ${FSTAB}`, replaceFileCommand(FSTAB, step.backup), {
        stdin: step.text,
      });
      return true;
    case 'mount':
      rt.bus.hostState(host.id, 'running', `mounting ${step.mount.local}`);
      await mountAndCheck(conn, host, step.mount, rt);
      return true;
    case 'docker-group':
      await rootRun(
        conn,
        rt,
        'adding the user to the docker group',
        `getent group docker >/dev/null || groupadd --system docker; usermod -aG docker ${shQuote(step.user)}`,
      );
      return true;
    case 'enable':
      await rootRun(conn, rt, 'enabling docker', 'systemctl enable docker');
      return true;
    case 'start':
      rt.bus.hostState(host.id, 'running', 'starting docker');
      // restart, not start: a package that started the engine before daemon.json was written.
      await rootRun(
        conn,
        rt,
        'starting docker',
        `${step.enable ? 'systemctl enable docker && ' : ''}systemctl restart docker`,
      );
      return true;
    case 'restart':
      return false;
  }
}
