/**
 * The JSON report of every `fleet stack` command (schema/stack-report.schema.json), written whatever
 * happened, through the one run ending (runtime/finish-run.ts). Its compat device is the manager the
 * command went through.
 */
import { FleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import { compatFields, managerDevice, type CompatFields } from '../../core/report-devices.js';
import { runReported } from '../../runtime/finish-run.js';
import type { OperationResult, Runtime } from '../../runtime/types.js';
import { withManager, type ManagerConn } from '../shared/manager.js';

export const STACK_LABEL = 'com.docker.stack.namespace';

export type StackCommand = 'deploy' | 'ls' | 'services' | 'ps' | 'rm';

export interface StackServiceRow {
  name: string;
  running: number;
  desired: number;
  /** null: not waited for (--detach, or a listing). */
  converged: boolean | null;
  problems: string[];
}

export interface StackTaskRow {
  name: string;
  node: string | null;
  state: string;
  error: string | null;
}

export interface StackReport extends CompatFields {
  command: `stack ${StackCommand}`;
  /** null for `stack ls`. */
  stack: string | null;
  manager: string | null;
  started_at: string;
  duration_seconds: number;
  services: StackServiceRow[];
  /** stack ps */
  tasks?: StackTaskRow[];
  /** stack ls */
  stacks?: { name: string; services: number }[];
  /** stack rm: what was removed, by kind (docker's order: services, secrets, configs, networks). */
  removed?: { services: string[]; secrets: string[]; configs: string[]; networks: string[] };
  /** stack deploy: the local files sent along (env files inlined, config/secret files copied). */
  files?: { inlined: string[]; copied: string[] };
  error: string | null;
  exit_code: number;
}

export interface StackState {
  command: StackCommand;
  stack: string | null;
  manager?: HostTarget;
  services: StackServiceRow[];
  tasks?: StackTaskRow[];
  stacks?: StackReport['stacks'];
  removed?: StackReport['removed'];
  files?: StackReport['files'];
}

export function checkStackName(name: string): void {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) {
    throw new FleetError('usage', `stack name "${name}" is not valid`, {
      hint: 'letters, digits, "_", "." and "-"',
    });
  }
}

function buildReport(s: StackState, startedAt: Date, error: FleetError | undefined): StackReport {
  const seconds = (Date.now() - startedAt.getTime()) / 1000;
  const outcome = !error ? 'success' : error.code === 'interrupted' ? 'interrupted' : 'failed';
  const manager = s.manager ? { id: s.manager.id, ip: s.manager.address } : undefined;
  return {
    command: `stack ${s.command}`,
    stack: s.stack,
    manager: s.manager?.id ?? null,
    started_at: startedAt.toISOString(),
    duration_seconds: seconds,
    services: s.services,
    ...(s.tasks ? { tasks: s.tasks } : {}),
    ...(s.stacks ? { stacks: s.stacks } : {}),
    ...(s.removed ? { removed: s.removed } : {}),
    ...(s.files ? { files: s.files } : {}),
    error: error?.message ?? null,
    exit_code: error?.exitCode ?? 0,
    ...compatFields(managerDevice(manager, outcome, seconds, error?.message ?? null)),
  };
}

/** Runs a stack command and writes its report whatever happened. */
export function stackRun(
  rt: Runtime,
  o: { reportPath?: string },
  state: StackState,
  work: () => Promise<void>,
): Promise<OperationResult<StackReport>> {
  return runReported(rt, { name: `stack-${state.command}`, reportPath: o.reportPath }, work, (at, err) =>
    buildReport(state, at, err),
  );
}

/** withManager, recording the manager in the report. */
export function throughManager<T>(
  rt: Runtime,
  managers: HostTarget[],
  state: StackState,
  fn: (m: ManagerConn) => Promise<T>,
): Promise<T> {
  return withManager(rt, managers, (m) => {
    state.manager = m.target;
    return fn(m);
  });
}
