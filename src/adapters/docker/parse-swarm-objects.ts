/** Engine JSON for services, tasks and containers → fleet's trimmed types (defensive like parse.ts). */
import { labels, num, obj, str } from './parse.js';
import type { ContainerStatsSample, ContainerSummary, SwarmService, SwarmTask, TaskState } from './types.js';

export function parseService(raw: unknown): SwarmService {
  const service = obj(raw);
  const spec = obj(service.Spec);
  const mode = obj(spec.Mode);
  const image = str(obj(obj(spec.TaskTemplate).ContainerSpec).Image);
  const kind: SwarmService['mode'] = mode.Global
    ? 'global'
    : mode.ReplicatedJob
      ? 'replicated-job'
      : mode.GlobalJob
        ? 'global-job'
        : 'replicated';
  return {
    id: str(service.ID),
    name: str(spec.Name),
    mode: kind,
    replicas: kind === 'replicated' ? num(obj(mode.Replicated).Replicas) : undefined,
    // Docker pins the image by digest (busybox:latest@sha256:…); the digest is noise in a table.
    image: image.replace(/@sha256:[0-9a-f]+$/, ''),
    labels: labels(spec.Labels),
  };
}

export function parseTask(raw: unknown): SwarmTask {
  const task = obj(raw);
  const status = obj(task.Status);
  const container = str(obj(status.ContainerStatus).ContainerID);
  const err = str(status.Err);
  return {
    id: str(task.ID),
    serviceId: str(task.ServiceID),
    nodeId: str(task.NodeID),
    slot: typeof task.Slot === 'number' ? task.Slot : undefined,
    desiredState: (str(task.DesiredState) || 'new') as TaskState,
    state: (str(status.State) || 'new') as TaskState,
    message: str(status.Message),
    ...(err ? { error: err } : {}),
    ...(container ? { containerId: container } : {}),
  };
}

export function parseContainer(raw: unknown): ContainerSummary {
  const c = obj(raw);
  const names = Array.isArray(c.Names) ? c.Names.map(str) : [];
  return {
    id: str(c.Id),
    name: (names[0] ?? '').replace(/^\//, ''),
    image: str(c.Image).replace(/@sha256:[0-9a-f]+$/, ''),
    state: str(c.State),
    status: str(c.Status),
    created: num(c.Created),
    labels: labels(c.Labels),
  };
}

export function parseContainerStats(raw: unknown): ContainerStatsSample {
  const s = obj(raw);
  const cpu = obj(s.cpu_stats);
  const pre = obj(s.precpu_stats);
  const mem = obj(s.memory_stats);
  const memStats = obj(mem.stats);
  const percpu = obj(cpu.cpu_usage).percpu_usage;
  return {
    cpuTotal: num(obj(cpu.cpu_usage).total_usage),
    systemCpu: num(cpu.system_cpu_usage),
    // online_cpus is missing on old kernels/engines; docker falls back to the per-CPU list.
    onlineCpus: num(cpu.online_cpus) || (Array.isArray(percpu) ? percpu.length : 0) || 1,
    preCpuTotal: num(obj(pre.cpu_usage).total_usage),
    preSystemCpu: num(pre.system_cpu_usage),
    memUsage: num(mem.usage),
    memLimit: num(mem.limit),
    memInactiveFile: num(memStats.inactive_file) || num(memStats.total_inactive_file),
  };
}
