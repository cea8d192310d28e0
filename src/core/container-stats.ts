/**
 * CPU % and memory of a container the way `docker stats` computes them, from the Engine API's stats
 * samples (two one-shot samples, or one sample with the engine's previous one in it).
 */

export interface CpuSample {
  /** Nanoseconds of CPU the container used since it started. */
  cpuTotal: number;
  /** Nanoseconds of CPU the whole host used since boot. */
  systemCpu: number;
  onlineCpus: number;
}

/**
 * docker's formula: container CPU delta / host CPU delta × CPUs × 100 (so one busy core of four is
 * 100 %, as in `docker stats`). null when the host delta is not positive (one-shot without a second sample).
 */
export function containerCpuPercent(before: CpuSample, after: CpuSample): number | null {
  const system = after.systemCpu - before.systemCpu;
  const container = after.cpuTotal - before.cpuTotal;
  if (system <= 0 || container < 0) return null;
  return (container / system) * Math.max(1, after.onlineCpus) * 100;
}

/** Memory as docker stats shows it: usage without the reclaimable page cache (inactive_file). */
export function containerMemoryUsed(usage: number, inactiveFile: number): number {
  return inactiveFile > 0 && inactiveFile < usage ? usage - inactiveFile : usage;
}
