/**
 * The output of remote/host-metrics.sh → numbers for `fleet status`. The script prints raw samples
 * (two /proc/stat and /proc/net/dev readings between two /proc/uptime readings, one nvidia-smi or
 * tegrastats line); rates and percentages are computed here so they are unit tested against recorded
 * outputs (fixtures/host-metrics/).
 */
import { FleetError } from './errors.js';

export interface GpuMetrics {
  /** Short model name: "GB10", "RTX 4090", "Xavier". */
  name: string;
  source: 'nvidia-smi' | 'tegrastats';
  utilPct: number | null;
  tempC: number | null;
  /** nvidia-smi only; a GB10 (unified memory) prints [N/A] here, so null. */
  memUsedMiB: number | null;
  memTotalMiB: number | null;
}

export interface DiskUsage {
  totalBytes: number;
  usedBytes: number;
}

export interface HostMetrics {
  uptimeSeconds: number | null;
  /** Busy share of all CPUs between the two samples, 0–100. */
  cpuPct: number | null;
  memTotalBytes: number | null;
  /** MemTotal − MemAvailable (what `free` calls used, without reclaimable cache). */
  memUsedBytes: number | null;
  diskRoot: DiskUsage | null;
  /** The filesystem holding the Docker data-root (often the same as /). */
  diskDocker: (DiskUsage & { path: string }) | null;
  gpus: GpuMetrics[];
  /** GPU temperature when a GPU tool reports one, else the hottest thermal zone. */
  tempC: number | null;
  netRxBytesPerSec: number | null;
  netTxBytesPerSec: number | null;
  containersRunning: number | null;
}

function fail(message: string, host?: string): FleetError {
  return new FleetError('remote-exit', `host-metrics: ${message}`, {
    host,
    hint: 'run `sh -s < remote/host-metrics.sh` on the host to see its raw output',
  });
}

/** key=value lines between the framing lines; repeated keys (one nvidia_smi line per GPU) kept in order. */
function readLines(text: string, host?: string): Map<string, string[]> {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const start = lines.indexOf('metrics.version=1');
  if (start < 0) throw fail('no "metrics.version=1" line in the output', host);
  const end = lines.indexOf('metrics.end=1', start);
  if (end < 0) throw fail('output ends before "metrics.end=1" (truncated)', host);
  const keys = new Map<string, string[]>();
  for (const line of lines.slice(start + 1, end)) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    keys.set(key, [...(keys.get(key) ?? []), line.slice(eq + 1)]);
  }
  return keys;
}

const numbers = (value: string | undefined): number[] =>
  (value ?? '')
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map(Number)
    .filter((n) => Number.isFinite(n));

const numberOrNull = (value: string | undefined): number | null => {
  const n = Number(value?.trim());
  return value !== undefined && value.trim() !== '' && Number.isFinite(n) ? n : null;
};

/** CPU busy % from two aggregate /proc/stat lines (idle = idle + iowait, as top and docker stats do). */
export function cpuPercent(first: number[], second: number[]): number | null {
  if (first.length < 4 || second.length < 4) return null;
  // guest/guest_nice (fields 9, 10) are already counted in user/nice.
  const sum = (v: number[]) => v.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (v: number[]) => (v[3] ?? 0) + (v[4] ?? 0);
  const total = sum(second) - sum(first);
  if (total <= 0) return null;
  const busy = total - (idle(second) - idle(first));
  return Math.min(100, Math.max(0, (busy / total) * 100));
}

/** "NVIDIA GB10" → "GB10", "NVIDIA GeForce RTX 4090" → "RTX 4090". */
function shortGpuName(name: string): string {
  return (
    name
      .replace(/^NVIDIA\s+/i, '')
      .replace(/^(GeForce|Tesla|Quadro)\s+/i, '')
      .trim() || name
  );
}

/** The Jetson module from /proc/device-tree/model ("Jetson-AGX" is JetPack 4's AGX Xavier). */
export function jetsonName(model: string | undefined): string {
  const m = model ?? '';
  if (/orin/i.test(m)) return 'Orin';
  if (/xavier|jetson-agx/i.test(m)) return 'Xavier';
  if (/tx2/i.test(m)) return 'TX2';
  if (/nano/i.test(m)) return 'Nano';
  return 'Jetson';
}

/**
 * One `nvidia-smi --query-gpu=name,utilization.gpu,temperature.gpu,memory.used,memory.total
 * --format=csv,noheader,nounits` line. Fields a GPU does not report read `[N/A]` (a GB10's memory,
 * since it shares the system's) or `[Not Supported]`: null.
 */
export function parseNvidiaSmiLine(line: string): GpuMetrics | null {
  const fields = line.split(',').map((f) => f.trim());
  if (fields.length < 5 || !fields[0]) return null;
  const value = (f: string | undefined): number | null => (f && /^\d+(\.\d+)?$/.test(f) ? Number(f) : null);
  return {
    name: shortGpuName(fields[0]),
    source: 'nvidia-smi',
    utilPct: value(fields[1]),
    tempC: value(fields[2]),
    memUsedMiB: value(fields[3]),
    memTotalMiB: value(fields[4]),
  };
}

/**
 * One tegrastats line. JetPack 4.6 (L4T R32): `GR3D_FREQ 0%@1377 … GPU@37C`; JetPack 5 adds a date in
 * front and mW to the power rails; Orin (JetPack 5/6) prints `GR3D_FREQ 0%@[305,305]` or just
 * `GR3D_FREQ 0%` and lower-case `gpu@44.25C`. The power rail named GPU (`GPU 0/0`, `VDD_GPU_SOC
 * 2390mW/2390mW`) has no `@` and is not taken for the temperature.
 */
export function parseTegrastatsLine(line: string, model?: string): GpuMetrics | null {
  const util = /\bGR3D_FREQ\s+(\d+)%/.exec(line);
  const temp = /\bgpu@(-?\d+(?:\.\d+)?)C\b/i.exec(line);
  if (!util && !temp) return null;
  return {
    name: jetsonName(model),
    source: 'tegrastats',
    utilPct: util ? Number(util[1]) : null,
    tempC: temp ? Number(temp[1]) : null,
    memUsedMiB: null,
    memTotalMiB: null,
  };
}

function diskUsage(value: string | undefined): DiskUsage | null {
  const [total, used] = numbers(value);
  if (total === undefined || used === undefined) return null;
  return { totalBytes: total * 1024, usedBytes: used * 1024 };
}

/** Parses the whole output of remote/host-metrics.sh. Throws FleetError 'remote-exit' when it is not one. */
export function parseHostMetrics(text: string, host?: string): HostMetrics {
  const keys = readLines(text, host);
  const one = (key: string): string | undefined => keys.get(key)?.[0];

  const up1 = numberOrNull(one('uptime1'));
  const up2 = numberOrNull(one('uptime2'));
  const elapsed = up1 !== null && up2 !== null && up2 > up1 ? up2 - up1 : null;
  const net1 = netCounters(one('net1'));
  const net2 = netCounters(one('net2'));

  const memTotalKb = numberOrNull(one('mem_total_kb'));
  const memAvailKb = numberOrNull(one('mem_available_kb'));

  const model = one('model');
  const gpus = [
    ...(keys.get('nvidia_smi') ?? []).map(parseNvidiaSmiLine),
    ...(keys.get('tegrastats') ?? []).map((l) => parseTegrastatsLine(l, model)),
  ].filter((g): g is GpuMetrics => g !== null);
  const gpuTemps = gpus.map((g) => g.tempC).filter((t): t is number => t !== null);
  const thermal = numberOrNull(one('thermal_mc'));

  const docker = diskUsage(one('disk_docker'));
  return {
    uptimeSeconds: up2 ?? up1,
    cpuPct: cpuPercent(numbers(one('cpu1')), numbers(one('cpu2'))),
    memTotalBytes: memTotalKb === null ? null : memTotalKb * 1024,
    memUsedBytes: memTotalKb === null || memAvailKb === null ? null : (memTotalKb - memAvailKb) * 1024,
    diskRoot: diskUsage(one('disk_root')),
    diskDocker: docker ? { ...docker, path: one('docker_root') ?? '' } : null,
    gpus,
    tempC: gpuTemps.length > 0 ? Math.max(...gpuTemps) : thermal === null ? null : thermal / 1000,
    netRxBytesPerSec: netRate(net1, net2, 0, elapsed),
    netTxBytesPerSec: netRate(net1, net2, 1, elapsed),
    containersRunning: numberOrNull(one('containers_running')),
  };
}

/** `name:rx:tx name:rx:tx …` (remote/host-metrics.sh net_sample) → counters per interface. */
function netCounters(line: string | undefined): Map<string, [number, number]> {
  const m = new Map<string, [number, number]>();
  for (const token of (line ?? '').split(/\s+/)) {
    const [name, rx, tx] = token.split(':');
    if (name && Number.isFinite(Number(rx)) && Number.isFinite(Number(tx)) && rx !== '' && tx !== '')
      m.set(name, [Number(rx), Number(tx)]);
  }
  return m;
}

/** Bytes per second over the interfaces in both samples (one that vanished or reset counts nothing). */
function netRate(
  a: Map<string, [number, number]>,
  b: Map<string, [number, number]>,
  which: 0 | 1,
  elapsed: number | null | undefined,
): number | null {
  if (!elapsed || a.size === 0 || b.size === 0) return null;
  let sum = 0;
  for (const [name, before] of a) {
    const after = b.get(name);
    if (after && after[which] >= before[which]) sum += after[which] - before[which];
  }
  return sum / elapsed;
}
