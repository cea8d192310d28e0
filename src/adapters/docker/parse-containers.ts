/** Engine JSON for containers → fleet's trimmed types (defensive like parse.ts); services and tasks parse in their own files. */
import { labels, num, obj, str } from './parse.js';
import type { ContainerStatsSample, ContainerSummary } from './types.js';

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
