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
import { compatDevices, devicesSuccessRate, type CompatDevice } from '../../core/report-devices.js';
import { roundSeconds } from '../../core/report.js';
import { finishRun } from '../../runtime/finish-run.js';
import type { OperationResult, Runtime } from '../../runtime/types.js';
import { checkReady } from '../shared/readiness.js';
import { runRolling, type LeftDrained, type NodeInfo, type RollingRow } from '../shared/rolling.js';

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

export interface RebootReport {
  command: 'reboot';
  timestamp: string;
  duration_seconds: number;
  was_interrupted: boolean;
  total_devices: number;
  rebooted: number;
  /** Nodes fleet drained and could not activate again, with the command that does it. */
  left_drained: LeftDrained[];
  hosts: RebootHostReport[];
  /** The hosts as the bash module's scripts read them (core/report-devices.ts). */
  devices: CompatDevice[];
  success_rate: number;
}

export async function run(input: RebootInput, rt: Runtime): Promise<OperationResult<RebootReport>> {
  const { bus } = rt;
  const startedAt = new Date();
  bus.emit({ type: 'run:start', command: 'reboot', hosts: input.hosts.map((h) => h.id), at: Date.now() });
  // The caller owns the pool (see runRolling).
  const outcome = await runRolling<RebootHostReport>(
    {
      hosts: input.hosts,
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
    rt,
  ).finally(() => rt.releasePool());
  const hosts = outcome.rows;
  const devices = compatDevices(hosts.map((h) => ({ ...h, duration_seconds: h.seconds })));
  const report: RebootReport = {
    command: 'reboot',
    timestamp: startedAt.toISOString(),
    duration_seconds: roundSeconds(Date.now() - startedAt.getTime()),
    was_interrupted: outcome.interrupted,
    total_devices: hosts.length,
    rebooted: hosts.filter((h) => h.status === 'ok').length,
    left_drained: outcome.leftDrained,
    hosts,
    devices,
    success_rate: devicesSuccessRate(devices),
  };
  return finishRun(rt, {
    name: 'reboot',
    report,
    startedAt,
    reportPath: input.reportPath,
    error: outcome.error,
    interrupted: outcome.interrupted,
    durationMs: report.duration_seconds * 1000,
  });
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
