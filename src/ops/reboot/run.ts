/**
 * `fleet reboot`: the rolling engine (ops/shared/rolling.ts) with a reboot as each host's step:
 * swarm managers one at a time, each waited for until it is back (new boot id) as a Ready,
 * Reachable manager (which needs quorum) before the next; then workers and non-swarm hosts in
 * batches; swarm nodes drained first and activated once Ready (unless --no-drain). `--all-at-once`
 * is refused when it would take quorum away (core/rolling-plan.ts). Ctrl-C stops after the current
 * wave; the report and the result name any node left drained.
 */
import { FleetError, toFleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import { pollUntil } from '../../core/poll.js';
import type { OperationResult, Runtime } from '../../runtime/types.js';
import { checkReady } from '../shared/readiness.js';
import { runRollingCommand, type RollingReportBase } from '../shared/rolling-run.js';
import type { NodeInfo, RollingRow } from '../shared/rolling.js';

export const DEFAULT_REBOOT_COMMAND = 'systemctl reboot || shutdown -r now';

export interface RebootInput {
  hosts: HostTarget[];
  batch?: number;
  drain: boolean;
  allAtOnce?: boolean;
  force?: boolean;
  /** Per wave: how long a host may take to come back. */
  timeoutMs: number;
  sudo?: boolean;
  /** Keep going after a host failed (default: stop at the first failure). */
  continueOnError?: boolean;
  /** What reboots a host (default DEFAULT_REBOOT_COMMAND). */
  command?: string;
  reportPath?: string;
}

export interface RebootHostReport extends RollingRow {
  old_boot_id: string | null;
  new_boot_id: string | null;
}

export interface RebootReport extends RollingReportBase<RebootHostReport> {
  command: 'reboot';
  rebooted: number;
}

export function run(input: RebootInput, rt: Runtime): Promise<OperationResult<RebootReport>> {
  return runRollingCommand<RebootHostReport, RebootReport>(
    {
      command: 'reboot',
      hosts: input.hosts,
      reportPath: input.reportPath,
      rolling: {
        batch: input.batch,
        drain: input.drain,
        allAtOnce: input.allAtOnce,
        force: input.force,
        continueOnError: input.continueOnError,
        row: () => ({ old_boot_id: null, new_boot_id: null }),
        step: (n, row, signal) => rebootOne(n, row, input, rt, signal),
        failedWords: 'did not come back',
        stepWords: 'rebooting',
      },
      report: (base, rebooted) => ({ command: 'reboot', ...base, rebooted }),
    },
    rt,
  );
}

/** Reboots one host and waits for a new boot id and readiness; throws when it did not come back. */
async function rebootOne(
  n: NodeInfo,
  row: RebootHostReport,
  input: RebootInput,
  rt: Runtime,
  signal: AbortSignal,
): Promise<void> {
  const { bus } = rt;
  const pool = await rt.pool();
  const level = n.role === 'none' ? 'ssh' : 'swarm';
  bus.hostState(n.id, 'running', 'rebooting');
  const before = await checkReady(pool, n.target, 'ssh', signal);
  row.old_boot_id = before?.bootId ?? null;
  const conn = await pool.connect(n.target, signal);
  const result = await conn
    .exec(input.command ?? DEFAULT_REBOOT_COMMAND, {
      sudo: input.sudo,
      sudoPassword: rt.sudoPassword,
      signal,
      timeoutMs: 30_000,
    })
    .catch((err: unknown) => {
      // The host may drop the connection while the command returns: that is the reboot starting.
      if (toFleetError(err).code === 'connect') return undefined;
      throw err;
    });
  if (result && result.exitCode !== 0 && !result.aborted) {
    const said = result.stderr.toString('utf8').trim().split('\n').pop() ?? '';
    throw new FleetError(
      'remote-exit',
      `the reboot command failed on ${n.id} (exit ${result.exitCode ?? result.signal})${said ? `: ${said}` : ''}`,
      { host: n.id },
    );
  }
  bus.hostState(n.id, 'running', `waiting for a new boot id (${level})`);
  const after = await pollUntil(
    `${n.id} to come back rebooted`,
    async (attempt) => {
      const ready = await checkReady(pool, n.target, level, attempt, rt.sudoPassword);
      return ready && ready.bootId !== row.old_boot_id ? ready : undefined;
    },
    {
      timeoutMs: input.timeoutMs,
      signal,
      host: n.id,
      attemptMs: 15_000,
      initialDelayMs: 1000,
      maxDelayMs: 2000,
    },
  );
  row.new_boot_id = after.bootId;
}
