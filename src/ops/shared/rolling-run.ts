/**
 * The frame reboot and rollout share around the rolling engine: run:start, runRolling with the
 * caller-owned pool released after it, the report fields both have (timing, counts, devices in the bash
 * module's form, nodes left drained), and the ending through finishRun. Each operation adds its own
 * fields (`rebooted`, or `run` and `succeeded`) and, for rollout, each device's exit code and output.
 */
import type { HostTarget } from '../../core/host.js';
import { compatDevices, devicesSuccessRate, type CompatDevice } from '../../core/report-devices.js';
import { roundSeconds } from '../../core/report.js';
import { finishRun } from '../../runtime/finish-run.js';
import type { OperationResult, Runtime } from '../../runtime/types.js';
import { runRolling, type LeftDrained, type RollingOptions, type RollingRow } from './rolling.js';

export interface RollingReportBase<R extends RollingRow> {
  timestamp: string;
  duration_seconds: number;
  was_interrupted: boolean;
  total_devices: number;
  left_drained: LeftDrained[];
  hosts: R[];
  /** The hosts as the bash module's scripts read them (core/report-devices.ts). */
  devices: CompatDevice[];
  success_rate: number;
}

export interface RollingCommand<R extends RollingRow, Report> {
  command: 'reboot' | 'rollout';
  hosts: HostTarget[];
  reportPath?: string;
  rolling: Omit<RollingOptions<R>, 'hosts'>;
  /** A device's fields from its row beyond compatDevices' (rollout: the command's exit code and output). */
  device?: (row: R) => Partial<CompatDevice>;
  /** The whole report from the shared fields and the number of hosts whose step succeeded. */
  report: (base: RollingReportBase<R>, succeeded: number) => Report;
}

export async function runRollingCommand<R extends RollingRow, Report>(
  c: RollingCommand<R, Report>,
  rt: Runtime,
): Promise<OperationResult<Report>> {
  const startedAt = new Date();
  rt.bus.emit({ type: 'run:start', command: c.command, hosts: c.hosts.map((h) => h.id), at: Date.now() });
  // The caller owns the pool (see runRolling).
  const outcome = await runRolling<R>({ ...c.rolling, hosts: c.hosts }, rt).finally(() => rt.releasePool());
  const hosts = outcome.rows;
  const devices = compatDevices(hosts.map((h) => ({ ...h, duration_seconds: h.seconds }))).map((d, i) => ({
    ...d,
    ...c.device?.(hosts[i]!),
  }));
  const base: RollingReportBase<R> = {
    timestamp: startedAt.toISOString(),
    duration_seconds: roundSeconds(Date.now() - startedAt.getTime()),
    was_interrupted: outcome.interrupted,
    total_devices: hosts.length,
    left_drained: outcome.leftDrained,
    hosts,
    devices,
    success_rate: devicesSuccessRate(devices),
  };
  return finishRun(rt, {
    name: c.command,
    report: c.report(base, hosts.filter((h) => h.status === 'ok').length),
    startedAt,
    reportPath: c.reportPath,
    error: outcome.error,
    interrupted: outcome.interrupted,
    durationMs: base.duration_seconds * 1000,
  });
}
