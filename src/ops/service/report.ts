/**
 * The JSON report of a service change (create, update, scale, rollback, rm): what was asked, through
 * which manager, whether it converged and each task's state. Env values never appear (they may hold
 * secrets): the spec is summarised, not copied.
 */
import type { SwarmTask } from '../../adapters/docker/types.js';
import { toFleetError, type FleetError } from '../../core/errors.js';
import type { Convergence } from '../../core/service-convergence.js';
import type { OperationResult, Runtime } from '../../runtime/types.js';
import type { ConvergeResult } from '../shared/service-converge.js';
import { taskRows, type TaskRow } from './common.js';

export interface ServiceChangeReport {
  command: string;
  service: string;
  service_id: string | null;
  manager: string | null;
  started_at: string;
  duration_seconds: number;
  /** null with --detach (not waited for). */
  converged: boolean | null;
  desired: number | null;
  running: number | null;
  problems: string[];
  warnings: string[];
  tasks: TaskRow[];
  error: string | null;
  exit_code: number;
}

export interface ChangeState {
  command: string;
  service: string;
  serviceId?: string;
  manager?: string;
  warnings: string[];
  detach: boolean;
  converge?: ConvergeResult;
  names: Record<string, string>;
}

export function buildChangeReport(s: ChangeState, startedAt: Date, error?: FleetError): ServiceChangeReport {
  const c: Convergence | undefined = s.converge?.convergence;
  const tasks: SwarmTask[] = s.converge?.tasks ?? [];
  return {
    command: `service ${s.command}`,
    service: s.service,
    service_id: s.serviceId ?? null,
    manager: s.manager ?? null,
    started_at: startedAt.toISOString(),
    duration_seconds: (Date.now() - startedAt.getTime()) / 1000,
    converged: s.detach && !error ? null : Boolean(c?.done) && !error,
    desired: c?.desired ?? null,
    running: c?.running ?? null,
    problems: c?.problems ?? [],
    warnings: s.warnings,
    tasks: taskRows(
      s.service,
      tasks.filter((t) => t.desiredState === 'running' || t.state === 'running'),
      s.names,
    ),
    error: error?.message ?? null,
    exit_code: error?.exitCode ?? 0,
  };
}

/**
 * Runs a change, then writes its report whatever happened (also on failure and Ctrl-C), emits
 * run:done and returns the report with the error that stopped it.
 */
export async function runChange(
  rt: Runtime,
  state: ChangeState,
  reportPath: string | undefined,
  work: () => Promise<void>,
): Promise<OperationResult<ServiceChangeReport>> {
  const startedAt = new Date();
  let error: FleetError | undefined;
  try {
    await work();
  } catch (err) {
    error = toFleetError(err);
    const partial = (err as { result?: ConvergeResult }).result;
    if (partial) state.converge = partial;
  } finally {
    await rt.releasePool();
  }
  const report = buildChangeReport(state, startedAt, error);
  const path = await rt.writeReport(`service-${state.command}`, report, startedAt, reportPath);
  rt.bus.log('info', `report: ${path}`);
  rt.bus.emit({
    type: 'run:done',
    ok: !error,
    durationMs: report.duration_seconds * 1000,
    interrupted: error?.code === 'interrupted',
    error: error?.message,
    exitCode: report.exit_code,
  });
  return { result: report, error, reportPath: path };
}
