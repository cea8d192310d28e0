/** `fleet service ls` and `fleet service ps`: services with running/wanted counts, and a service's tasks. */
import type { SwarmService, SwarmTask } from '../../adapters/docker/types.js';
import { compatFields, managerDevice, type CompatFields } from '../../core/report-devices.js';
import type { OperationResult, Runtime } from '../../runtime/types.js';
import { withManager } from '../shared/manager.js';
import { findService, nodeNames, taskRows, type ServiceOpInput, type TaskRow } from './common.js';

export interface ServiceRow {
  id: string;
  name: string;
  mode: 'replicated' | 'global';
  running: number;
  desired: number;
  image: string;
  ports: string[];
  update_state: string | null;
}

export interface ServiceLsReport extends CompatFields {
  command: 'service ls';
  manager: string;
  at: string;
  services: ServiceRow[];
}

export interface ServicePsReport extends CompatFields {
  command: 'service ps';
  manager: string;
  at: string;
  services: { name: string; id: string; tasks: TaskRow[] }[];
}

/** Running tasks per service, and how many it wants (global: one per node that has a task to run). */
export function serviceRow(svc: SwarmService, tasks: SwarmTask[]): ServiceRow {
  const mine = tasks.filter((t) => t.serviceId === svc.id);
  const wanted = mine.filter((t) => t.desiredState === 'running');
  return {
    id: svc.id,
    name: svc.name,
    mode: svc.mode,
    running: wanted.filter((t) => t.state === 'running').length,
    desired: svc.mode === 'replicated' ? (svc.replicas ?? 0) : new Set(wanted.map((t) => t.nodeId)).size,
    image: svc.image.replace(/@sha256:[0-9a-f]+$/, ''),
    ports: svc.ports.map(
      (p) =>
        `${p.PublishedPort ?? ''}${p.PublishedPort ? '->' : ''}${p.TargetPort}/${p.Protocol}${p.PublishMode === 'host' ? ' (host)' : ''}`,
    ),
    update_state: svc.updateState ?? null,
  };
}

/** The compat device of a listing: the manager that answered it. */
function answered(manager: { id: string; address: string }, startedAt: Date): CompatFields {
  const seconds = (Date.now() - startedAt.getTime()) / 1000;
  return compatFields(managerDevice({ id: manager.id, ip: manager.address }, 'success', seconds, null));
}

export async function runLs(
  input: ServiceOpInput & { filters?: Record<string, string[]> },
  rt: Runtime,
): Promise<OperationResult<ServiceLsReport>> {
  const startedAt = new Date();
  try {
    const result = await withManager(rt, input.managers, async (m) => {
      const [services, tasks] = await Promise.all([
        m.engine.listServices(input.filters, rt.signal),
        m.engine.listTasks({ 'desired-state': ['running'] }, rt.signal),
      ]);
      return {
        command: 'service ls' as const,
        manager: m.target.id,
        at: startedAt.toISOString(),
        services: services.map((s) => serviceRow(s, tasks)).sort((a, b) => a.name.localeCompare(b.name)),
        ...answered(m.target, startedAt),
      };
    });
    const path = await rt.writeReport('service-ls', result, startedAt, input.reportPath);
    return { result, reportPath: path };
  } finally {
    await rt.releasePool();
  }
}

export async function runPs(
  input: ServiceOpInput & { services: string[]; all?: boolean },
  rt: Runtime,
): Promise<OperationResult<ServicePsReport>> {
  const startedAt = new Date();
  try {
    const result = await withManager(rt, input.managers, async (m) => {
      const names = nodeNames(m.nodes);
      const out: ServicePsReport['services'] = [];
      for (const name of input.services) {
        const svc = await findService(m, name, rt.signal);
        const tasks = await m.engine.listTasks(
          { service: [svc.id], ...(input.all ? {} : { 'desired-state': ['running', 'ready', 'accepted'] }) },
          rt.signal,
        );
        out.push({ name: svc.name, id: svc.id, tasks: taskRows(svc.name, tasks, names) });
      }
      return {
        command: 'service ps' as const,
        manager: m.target.id,
        at: startedAt.toISOString(),
        services: out,
        ...answered(m.target, startedAt),
      };
    });
    const path = await rt.writeReport('service-ps', result, startedAt, input.reportPath);
    return { result, reportPath: path };
  } finally {
    await rt.releasePool();
  }
}
