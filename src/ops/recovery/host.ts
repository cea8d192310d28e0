/**
 * One node of `fleet recovery install|status|remove`. Install pushes the unit, the boot script and
 * its config through the push machinery (ops/shared/push-files.ts: sha256-checked, renamed into
 * place, unchanged files skipped) with sudo, then `systemctl daemon-reload` and `enable` (not
 * `--now`: it runs at the next boot). Status and remove are one remote script each.
 */
import type { SshConnection } from '../../adapters/ssh/types.js';
import { FleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import {
  parseRecoveryStatus,
  RECOVERY_PATHS,
  RECOVERY_UNIT,
  type RecoveryStatus,
} from '../../core/recovery.js';
import type { PushPlan } from '../../core/transfer-plan.js';
import type { EventBus } from '../../runtime/events.js';
import { sendPlan } from '../shared/push-files.js';
import { runRemoteScript, stepFailed } from '../shared/transfer.js';

export interface RecoveryHostContext {
  bus: EventBus;
  signal: AbortSignal;
  sudoPassword?: string;
  /** sha256 of the unit and script this fleet installs (status says "outdated" otherwise). */
  expected: { unit: string; script: string };
}

const PATH_ARGS = [RECOVERY_PATHS.unit, RECOVERY_PATHS.script, RECOVERY_PATHS.config];
/** Root logs in as itself; everyone else goes through sudo (the password on stdin, never argv). */
const needsSudo = (host: HostTarget): boolean => host.user !== 'root';

export async function readStatus(
  host: HostTarget,
  conn: SshConnection,
  c: RecoveryHostContext,
): Promise<RecoveryStatus> {
  const r = await runRemoteScript(conn, 'recovery-status.sh', PATH_ARGS, {
    sudo: needsSudo(host),
    sudoPassword: c.sudoPassword,
    signal: c.signal,
    timeoutMs: 60_000,
  });
  if (r.exitCode !== 0) throw stepFailed(host, 'reading the recovery unit', r);
  return parseRecoveryStatus(r.stdout.toString('utf8'), c.expected);
}

/** Pushes the three files and enables the unit; true when a file changed. */
export async function install(
  host: HostTarget,
  conn: SshConnection,
  plan: PushPlan,
  c: RecoveryHostContext,
): Promise<boolean> {
  const sudo = needsSudo(host);
  const sent = await sendPlan(host, conn, plan, {
    bus: c.bus,
    signal: c.signal,
    force: false,
    mkdir: true,
    sudo,
    sudoPassword: c.sudoPassword,
  });
  if (sent.interrupted) throw new FleetError('interrupted', 'interrupted', { host: host.id });
  c.bus.hostState(host.id, 'running', 'enabling the unit');
  const r = await conn.exec(`systemctl daemon-reload && systemctl enable ${RECOVERY_UNIT}`, {
    sudo,
    sudoPassword: c.sudoPassword,
    signal: c.signal,
    timeoutMs: 60_000,
  });
  if (r.exitCode !== 0) throw stepFailed(host, `systemctl enable ${RECOVERY_UNIT}`, r);
  return sent.counts.files_sent > 0;
}

/** Disables the unit and removes its files; false when nothing was installed. */
export async function remove(
  host: HostTarget,
  conn: SshConnection,
  c: RecoveryHostContext,
): Promise<boolean> {
  const before = await readStatus(host, conn, c);
  const r = await runRemoteScript(conn, 'recovery-remove.sh', PATH_ARGS, {
    sudo: needsSudo(host),
    sudoPassword: c.sudoPassword,
    signal: c.signal,
    timeoutMs: 60_000,
  });
  if (r.exitCode !== 0) throw stepFailed(host, 'removing the recovery unit', r);
  return before.installed;
}
