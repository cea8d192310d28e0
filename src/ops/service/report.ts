/**
 * The JSON report of a service change (create, update, scale, rollback, rm): what was asked, through
 * which manager, whether it converged and each task's state. Env values never appear (they may hold
 * secrets): the spec is summarised, not copied.
 */
import type { SwarmService, SwarmTask } from '../../adapters/docker/types.js';
import type { FleetError } from '../../core/errors.js';
import { compatFields, managerDevice, type CompatFields } from '../../core/report-devices.js';
import type { Convergence } from '../../core/service-convergence.js';
import { runReported } from '../../runtime/finish-run.js';
import type { OperationResult, Runtime } from '../../runtime/types.js';
import type { ConvergeResult } from '../shared/service-converge.js';
import { withManager, type ManagerConn } from '../shared/manager.js';
import { findService, nodeNames, taskRows, type ServiceOpInput, type TaskRow } from './common.js';

export interface ServiceChangeReport extends CompatFields {
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
  managerIp?: string;
  warnings: string[];
  detach: boolean;
  converge?: ConvergeResult;
  names: Record<string, string>;
}

export function buildChangeReport(s: ChangeState, startedAt: Date, error?: FleetError): ServiceChangeReport {
  const c: Convergence | undefined = s.converge?.convergence;
  const tasks: SwarmTask[] = s.converge?.tasks ?? [];
  const seconds = (Date.now() - startedAt.getTime()) / 1000;
  const outcome = !error ? 'success' : error.code === 'interrupted' ? 'interrupted' : 'failed';
  const manager = s.manager ? { id: s.manager, ip: s.managerIp ?? '' } : undefined;
  return {
    command: `service ${s.command}`,
    service: s.service,
    service_id: s.serviceId ?? null,
    manager: s.manager ?? null,
    started_at: startedAt.toISOString(),
    duration_seconds: seconds,
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
    ...compatFields(managerDevice(manager, outcome, seconds, error?.message ?? null)),
  };
}

/** Runs a change, then writes its report whatever happened (runtime/finish-run.ts). */
export function runChange(
  rt: Runtime,
  state: ChangeState,
  reportPath: string | undefined,
  work: () => Promise<void>,
): Promise<OperationResult<ServiceChangeReport>> {
  const keepPartial = (err: unknown): void => {
    // A convergence that gave up carries how far it got: the report shows those tasks.
    const partial = (err as { result?: ConvergeResult }).result;
    if (partial) state.converge = partial;
  };
  return runReported(
    rt,
    { name: `service-${state.command}`, reportPath, onError: keepPartial },
    work,
    (startedAt, error) => buildChangeReport(state, startedAt, error),
  );
}

/**
 * The usual service change: through one manager (recorded with its node names for the report), the
 * report written whatever happens.
 */
export function serviceChange(
  rt: Runtime,
  input: ServiceOpInput & { detach?: boolean },
  named: { command: string; service: string },
  work: (m: ManagerConn, state: ChangeState) => Promise<void>,
): Promise<OperationResult<ServiceChangeReport>> {
  const state: ChangeState = { ...named, warnings: [], detach: Boolean(input.detach), names: {} };
  return runChange(rt, state, input.reportPath, () =>
    withManager(rt, input.managers, async (m) => {
      state.manager = m.target.id;
      state.managerIp = m.target.address;
      state.names = nodeNames(m.nodes);
      await work(m, state);
    }),
  );
}

/** The service the change is about, by name or id; the report then names it as the swarm does. */
export async function adoptService(rt: Runtime, m: ManagerConn, state: ChangeState): Promise<SwarmService> {
  const svc = await findService(m, state.service, rt.signal);
  state.service = svc.name;
  state.serviceId = svc.id;
  return svc;
}
